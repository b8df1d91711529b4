import type { StreamConflict } from '../errors/multi-stream-errors.js';
import { decide, type Stream, type StoredEvent } from './commit-check.js';
import { NO_STREAM, expectedRevisionMatches, type ActualRevision, type ExpectedRevision } from './expected-revision.js';

/** One stream of a multi-stream commit: written (`ids` of its new events) or only checked (no ids). */
export interface CommitEntry {
  readonly streamName: string;
  readonly stream: Stream | undefined;
  readonly expected: ExpectedRevision;
  readonly role: 'append' | 'check';
  readonly ids: readonly { readonly id: string }[];
}

export type MultiStreamDecision =
  | { readonly kind: 'write' }
  /** Every written stream already holds its events: the original last record of each written entry, in order. */
  | { readonly kind: 'idempotent'; readonly lastRecords: readonly StoredEvent[] }
  | { readonly kind: 'conflict'; readonly conflicts: readonly StreamConflict[] };

/**
 * KurrentDB's multi-stream commit (StorageWriterService.VerifyCommitChecks): each stream gets the
 * single-stream commit check with its own event ids; all pass, and it writes; every written stream
 * idempotent, and it is a success that writes nothing (whatever the checks say now: it is a retry of a
 * write that passed them); otherwise it fails, naming every failed stream and every idempotent one
 * (a partly re-sent request is a conflict, not half a write).
 */
export function decideMultiStream(
  entries: readonly CommitEntry[],
  byEventId: ReadonlyMap<string, StoredEvent>,
): MultiStreamDecision {
  const conflicts: StreamConflict[] = [];
  const lastRecords: StoredEvent[] = [];
  let written = 0;
  let idempotent = 0;
  for (const entry of entries) {
    const current: ActualRevision = entry.stream ? BigInt(entry.stream.events.length - 1) : NO_STREAM;
    const conflict = (): StreamConflict => ({
      streamName: entry.streamName,
      role: entry.role,
      expected: entry.expected,
      actual: current,
    });
    if (entry.role === 'check') {
      if (!expectedRevisionMatches(entry.expected, current)) conflicts.push(conflict());
      continue;
    }
    written++;
    const decision = decide(entry.streamName, entry.stream, entry.expected, entry.ids, byEventId);
    if (decision.kind === 'conflict') conflicts.push(conflict());
    else if (decision.kind === 'idempotent') {
      idempotent++;
      lastRecords.push(entry.stream!.events[Number(decision.lastRevision)]!);
      conflicts.push(conflict()); // reported only if the request is not idempotent as a whole
    }
  }
  if (written > 0 && idempotent === written) return { kind: 'idempotent', lastRecords };
  return conflicts.length === 0 ? WRITE : { kind: 'conflict', conflicts };
}

const WRITE: MultiStreamDecision = Object.freeze({ kind: 'write' });
