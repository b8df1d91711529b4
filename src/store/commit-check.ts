import type { RecordedEvent } from './event-store.js';
import { ANY, NO_STREAM, STREAM_EXISTS, expectedRevisionMatches, type ExpectedRevision } from './expected-revision.js';

/** A stored record: built once at append and frozen (see InMemoryEventStore). */
export type StoredEvent = Readonly<RecordedEvent>;

export interface Stream {
  readonly events: StoredEvent[];
}

export type CommitDecision = { kind: 'write' } | { kind: 'idempotent'; lastRevision: bigint } | { kind: 'conflict' };

/**
 * KurrentDB's commit check (IndexWriter.CheckCommit): which expected revisions accept the append,
 * and when a re-sent batch of already-written ids succeeds without writing again.
 */
/** The two decisions without data, shared: deciding allocates nothing in the usual case. */
const WRITE: CommitDecision = Object.freeze({ kind: 'write' });
const CONFLICT: CommitDecision = Object.freeze({ kind: 'conflict' });

export function decide(
  streamName: string,
  stream: Stream | undefined,
  expected: ExpectedRevision,
  ids: readonly { readonly id: string }[],
  byEventId: ReadonlyMap<string, StoredEvent>,
): CommitDecision {
  const current = stream ? BigInt(stream.events.length - 1) : NO_STREAM;
  if (expectedRevisionMatches(expected, current)) {
    return expected === ANY || expected === STREAM_EXISTS ? weakIdempotency(streamName, byEventId, ids) : WRITE;
  }
  const expectedNumber = expected === NO_STREAM ? -1n : expected;
  if (stream && typeof expectedNumber === 'bigint' && expectedNumber < BigInt(stream.events.length - 1)) {
    return strongIdempotency(stream, Number(expectedNumber), ids);
  }
  return CONFLICT;
}

/**
 * ANY / STREAM_EXISTS: if the newest record with the first id is in this stream, the newest with
 * every id must be (an id last written to another stream counts as new, as on the server).
 */
function weakIdempotency(
  streamName: string,
  byEventId: ReadonlyMap<string, StoredEvent>,
  events: readonly { readonly id: string }[],
): CommitDecision {
  if (events.length === 0 || byEventId.get(events[0]!.id)?.streamName !== streamName) return WRITE;
  let lastRevision = -1n;
  for (const { id } of events) {
    const written = byEventId.get(id);
    if (written?.streamName !== streamName) return CONFLICT; // KurrentDB: CorruptedIdempotency
    lastRevision = written.revision;
  }
  return { kind: 'idempotent', lastRevision };
}

/**
 * Exact revision behind the stream's end: the ids must be exactly those of the events that follow it
 * (an empty append behind the end is a conflict, as on the server).
 */
function strongIdempotency(
  stream: Stream,
  expected: number,
  events: readonly { readonly id: string }[],
): CommitDecision {
  if (events.length === 0) return CONFLICT;
  let revision = expected;
  for (const { id } of events) {
    revision += 1;
    if (stream.events[revision]?.id !== id) return CONFLICT;
  }
  return { kind: 'idempotent', lastRevision: BigInt(revision) };
}
