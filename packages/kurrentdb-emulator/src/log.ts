/** The in-memory transaction log: one global `$all` array plus a per-stream index, with the
 * server's commit checks (IndexWriter.CheckCommit), soft delete, un-delete and tombstones. */
import { randomUUID } from 'node:crypto';
import {
  WIRE_ANY,
  WIRE_NO_STREAM,
  WIRE_STREAM_EXISTS,
  type LogRecord,
  type ProposedEvent,
  type WriteOutcome,
} from './records.js';
import {
  NO_METADATA,
  SOFT_DELETED_METADATA,
  isMetastream,
  metastreamOf,
  originalStreamOf,
  parseStreamMetadata,
  type StreamMetadata,
} from './stream-metadata.js';

interface StreamEntry {
  /** Every event ever written; index === revision (soft delete hides, never removes). */
  readonly events: LogRecord[];
  tombstone?: LogRecord;
}

/** What a stream read sees once tombstones and metadata are applied. */
export type StreamView =
  | { readonly kind: 'deleted' }
  | { readonly kind: 'not-found' }
  | {
      readonly kind: 'found';
      readonly events: readonly LogRecord[];
      /** Revisions below this are hidden by `$tb`/`$maxCount` (or the metastream's implicit maxCount 1). */
      readonly firstVisible: number;
      readonly maxAgeMs?: number;
    };

type CommitDecision =
  | { readonly kind: 'ok'; readonly softDeleted: boolean }
  | { readonly kind: 'idempotent'; readonly lastRevision: number }
  | { readonly kind: 'wrong-expected-version' }
  | { readonly kind: 'deleted' };

/** One stream of a multi-stream transaction (v2 AppendSession/AppendRecords): written, or check-only (no events). */
export interface TransactionStream {
  readonly stream: string;
  /** Wire value: N >= 0, -1 no stream, -2 any, -4 exists, -5 soft-deleted, -6 tombstoned. */
  readonly expected: number;
  readonly events: readonly ProposedEvent[];
}

/** A stream whose check failed (StorageMessage.ConsistencyCheckFailure), by its index in the transaction. */
export interface TransactionFailure {
  readonly index: number;
  /** The stream's last revision (-1 none), or TOMBSTONED_VERSION. */
  readonly actual: number;
  readonly softDeleted: boolean;
}

export type TransactionOutcome =
  /** lastRevisions per stream (check-only streams: -1), position of the last record written (or of the original, idempotent). */
  | { readonly kind: 'success'; readonly lastRevisions: readonly number[]; readonly position: number }
  /** `deleted` when the server answers StreamDeleted (a tombstone, or exists on a soft-deleted stream), else WrongExpectedVersion. */
  | { readonly kind: 'failed'; readonly deleted: boolean; readonly failures: readonly TransactionFailure[] };

/** The server's EventNumber.DeletedStream (long.MaxValue), as the actual version of a tombstoned stream. */
export const TOMBSTONED_VERSION = Number.MAX_SAFE_INTEGER;
export const WIRE_SOFT_DELETED = -5;
export const WIRE_TOMBSTONED = -6;

type StreamCheck =
  | { readonly kind: 'ok'; readonly softDeleted: boolean }
  | { readonly kind: 'idempotent'; readonly lastRevision: number }
  | { readonly kind: 'failed'; readonly actual: number; readonly softDeleted: boolean };

/** Where each commit goes once it is made (a file, with `dataDir`): all of one commit's records at once. */
export interface LogJournal {
  commit(records: readonly LogRecord[]): void;
}

const MAX_COUNT_OF_METASTREAMS = 1;
const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** What a non-subscription read needs of the log: a follower that lags reads an older view of it. */
export type LogReader = Pick<InMemoryLog, 'streamView' | 'all'>;

export class InMemoryLog {
  readonly #streams = new Map<string, StreamEntry>();
  readonly #all: LogRecord[] = [];
  /** Event id -> newest record with that id: the weak-idempotency lookup (unbounded here). */
  readonly #byEventId = new Map<string, LogRecord>();
  readonly #listeners = new Set<() => void>();
  // Real logs start after a chunk header and an epoch record; never hand out position 0.
  #nextPosition = 128;
  /** Records of the commit being made, handed to the journal when it is done. */
  readonly #uncommitted: LogRecord[] = [];

  constructor(private readonly journal?: LogJournal) {}

  /** Rebuilds the log from records read back from a journal, in their order; they are not journalled again. */
  restore(records: Iterable<LogRecord>): void {
    for (const record of records) {
      const entry = this.#streamEntry(record.stream);
      if (record.isTombstone) entry.tombstone = record;
      else {
        entry.events.push(record);
        this.#byEventId.set(record.id, record);
      }
      this.#all.push(record);
      this.#nextPosition = Math.max(this.#nextPosition, record.position + recordSize(record));
    }
  }

  /** All records in commit order, system records (`$metadata`, `$streamDeleted`) included. */
  get all(): readonly LogRecord[] {
    return this.#all;
  }

  /** Called after every commit; returns the unsubscribe function. */
  onCommit(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Last event revision, -1 when the stream has no events (tombstones are not events). */
  lastRevision(stream: string): number {
    return (this.#streams.get(stream)?.events.length ?? 0) - 1;
  }

  isTombstoned(stream: string): boolean {
    return this.#streams.get(stream)?.tombstone !== undefined;
  }

  events(stream: string): readonly LogRecord[] {
    return this.#streams.get(stream)?.events ?? [];
  }

  metadata(stream: string): StreamMetadata {
    if (isMetastream(stream)) return NO_METADATA;
    const metaEvents = this.events(metastreamOf(stream));
    return parseStreamMetadata(metaEvents[metaEvents.length - 1]);
  }

  streamView(stream: string): StreamView {
    if (this.isTombstoned(stream)) return { kind: 'deleted' };
    // The server reads a tombstoned stream's metastream as deleted too (its metadata is still written).
    if (isMetastream(stream) && this.isTombstoned(originalStreamOf(stream))) return { kind: 'deleted' };
    const events = this.events(stream);
    const metadata = this.metadata(stream);
    if (events.length === 0 || metadata.softDeleted) return { kind: 'not-found' };
    const maxCount = isMetastream(stream) ? MAX_COUNT_OF_METASTREAMS : metadata.maxCount;
    const firstVisible = Math.max(
      metadata.truncateBefore ?? 0,
      maxCount === undefined ? 0 : events.length - maxCount,
      0,
    );
    const maxAgeMs = metadata.maxAgeSeconds === undefined ? undefined : metadata.maxAgeSeconds * 1000;
    return { kind: 'found', events, firstVisible, maxAgeMs };
  }

  append(stream: string, expected: number, proposed: readonly ProposedEvent[]): WriteOutcome {
    const decision = this.#checkCommit(
      stream,
      expected,
      proposed.map((e) => e.id),
    );
    switch (decision.kind) {
      case 'deleted':
        return { kind: 'stream-deleted' };
      case 'wrong-expected-version':
        return { kind: 'wrong-expected-version', currentRevision: this.lastRevision(stream) };
      case 'idempotent': {
        const original = this.events(stream)[decision.lastRevision];
        return { kind: 'success', lastRevision: decision.lastRevision, position: original?.position ?? -1 };
      }
      case 'ok': {
        if (proposed.length === 0) return { kind: 'success', lastRevision: this.lastRevision(stream), position: -1 };
        const firstRevision = this.lastRevision(stream) + 1;
        let last: LogRecord | undefined;
        for (const event of proposed) last = this.#write(stream, event);
        if (decision.softDeleted) this.#softUndelete(stream, firstRevision);
        // Writing `$$s` replaces s's metadata, which is how it un-deletes s: nothing more to do.
        this.#notify();
        return { kind: 'success', lastRevision: last!.revision, position: last!.position };
      }
    }
  }

  /**
   * A multi-stream transaction, as StorageWriterService decides it: each stream gets the commit
   * check with its own event ids; all ok, and every stream's events are written back to back; every
   * written stream idempotent, and it succeeds with the original revisions (check-only streams are
   * not looked at then: it is a retry of a commit that passed them); otherwise it fails, listing every
   * failed stream and every idempotent one.
   */
  commitTransaction(streams: readonly TransactionStream[]): TransactionOutcome {
    const checks = streams.map((entry) =>
      this.#checkTransactionStream(
        entry.stream,
        entry.expected,
        entry.events.map((e) => e.id),
      ),
    );
    const written = streams.filter((entry) => entry.events.length > 0).length;
    const idempotent = checks.filter((check) => check.kind === 'idempotent').length;
    if (written > 0 && idempotent === written) {
      let position = -1;
      const lastRevisions = checks.map((check, index) => {
        if (check.kind !== 'idempotent') return -1;
        position = Math.max(position, this.events(streams[index]!.stream)[check.lastRevision]?.position ?? -1);
        return check.lastRevision;
      });
      return { kind: 'success', lastRevisions, position };
    }
    const failures: TransactionFailure[] = [];
    checks.forEach((check, index) => {
      if (check.kind === 'failed') failures.push({ index, actual: check.actual, softDeleted: check.softDeleted });
      else if (check.kind === 'idempotent')
        failures.push({ index, actual: this.lastRevision(streams[index]!.stream), softDeleted: false });
    });
    if (failures.length > 0) {
      // RequestManagerBase.Handle(ConsistencyChecksFailed): a tombstone, or exists on a soft-deleted stream, is StreamDeleted.
      const deleted = failures.some(
        (failure) =>
          failure.actual === TOMBSTONED_VERSION ||
          (streams[failure.index]!.expected === WIRE_STREAM_EXISTS && failure.softDeleted),
      );
      return { kind: 'failed', deleted, failures };
    }
    let position = -1;
    const lastRevisions = streams.map((entry, index) => {
      if (entry.events.length === 0) return -1;
      const firstRevision = this.lastRevision(entry.stream) + 1;
      let last: LogRecord | undefined;
      for (const event of entry.events) last = this.#write(entry.stream, event);
      position = last!.position;
      const check = checks[index]!;
      if (check.kind === 'ok' && check.softDeleted) this.#softUndelete(entry.stream, firstRevision);
      return last!.revision;
    });
    this.#notify();
    return { kind: 'success', lastRevisions, position };
  }

  /** IndexWriter.CheckCommit for one stream of a transaction, check-only streams (no ids) included. */
  #checkTransactionStream(stream: string, expected: number, ids: readonly string[]): StreamCheck {
    const failed = (actual: number, softDeleted = false): StreamCheck => ({ kind: 'failed', actual, softDeleted });
    if (this.isTombstoned(stream)) {
      // Nothing can be written to a tombstoned stream; checking that it does not exist passes.
      if (ids.length === 0 && (expected === WIRE_ANY || expected === WIRE_NO_STREAM || expected === WIRE_TOMBSTONED))
        return { kind: 'ok', softDeleted: false };
      return failed(TOMBSTONED_VERSION);
    }
    const current = this.lastRevision(stream);
    const softDeleted = this.metadata(stream).softDeleted;
    if (expected === WIRE_TOMBSTONED) return failed(current, softDeleted);
    if (expected === WIRE_STREAM_EXISTS) {
      if (softDeleted) return failed(current, true);
      if (current < 0 && this.lastRevision(metastreamOf(stream)) < 0) return failed(current);
    }
    if (expected === WIRE_ANY || expected === WIRE_STREAM_EXISTS || expected === WIRE_SOFT_DELETED) {
      // Weak idempotency: the ids already in this stream, from the first on, all or none.
      let lastRevision = -1;
      for (const id of ids) {
        const written = this.#byEventId.get(id);
        if (written && written.stream === stream) {
          lastRevision = written.revision;
          continue;
        }
        if (lastRevision >= 0) return failed(current); // CorruptedIdempotency
        break;
      }
      if (lastRevision >= 0) return { kind: 'idempotent', lastRevision };
      if (expected === WIRE_SOFT_DELETED && !softDeleted) return failed(current, softDeleted);
      return { kind: 'ok', softDeleted };
    }
    if (expected < current) {
      const events = this.events(stream);
      let revision = expected;
      for (const [index, id] of ids.entries()) {
        revision += 1;
        if (events[revision]?.id === id) continue;
        if (index > 0) return failed(current); // CorruptedIdempotency
        if (expected === WIRE_NO_STREAM && softDeleted) return { kind: 'ok', softDeleted };
        return failed(current);
      }
      if (ids.length === 0)
        return expected === WIRE_NO_STREAM && softDeleted ? { kind: 'ok', softDeleted } : failed(current);
      return { kind: 'idempotent', lastRevision: revision };
    }
    if (expected > current) return failed(current);
    return { kind: 'ok', softDeleted };
  }

  /** Soft delete (`hard` false) or tombstone (`hard` true). */
  delete(stream: string, expected: number, hard: boolean): WriteOutcome {
    const current = this.lastRevision(stream);
    if (this.isTombstoned(stream)) return { kind: 'stream-deleted' };
    // Since server PR 3154, soft-deleting a stream that never existed is always WEV.
    if (!hard && current < 0 && this.lastRevision(metastreamOf(stream)) < 0) {
      return { kind: 'wrong-expected-version', currentRevision: current };
    }
    const decision = this.#checkCommit(stream, expected, [randomUUID()]);
    if (decision.kind === 'deleted') return { kind: 'stream-deleted' };
    if (decision.kind !== 'ok') return { kind: 'wrong-expected-version', currentRevision: current };

    let record: LogRecord;
    if (hard) {
      record = this.#record(stream, Number.MAX_SAFE_INTEGER, true, {
        id: randomUUID(),
        type: '$streamDeleted',
        contentType: 'application/octet-stream',
        data: EMPTY,
        customMetadata: EMPTY,
      });
      this.#streamEntry(stream).tombstone = record;
    } else {
      record = this.#write(metastreamOf(stream), metadataEvent(SOFT_DELETED_METADATA));
    }
    this.#notify();
    return { kind: 'success', lastRevision: current, position: record.position };
  }

  #checkCommit(stream: string, expected: number, eventIds: readonly string[]): CommitDecision {
    // A tombstoned stream's metastream still takes writes, as on the server (reads see it deleted).
    if (this.isTombstoned(stream)) return { kind: 'deleted' };
    const current = this.lastRevision(stream);
    const softDeleted = this.metadata(stream).softDeleted;

    if (expected === WIRE_STREAM_EXISTS) {
      if (softDeleted) return { kind: 'deleted' };
      // A stream with metadata but no events counts as existing.
      if (current < 0 && this.lastRevision(metastreamOf(stream)) < 0) return { kind: 'wrong-expected-version' };
    }

    if (expected === WIRE_ANY || expected === WIRE_STREAM_EXISTS) {
      // Weak idempotency: decided by whether the ids were already written to this stream.
      let lastRevision = -1;
      for (const [index, id] of eventIds.entries()) {
        const written = this.#byEventId.get(id);
        if (!written || written.stream !== stream) {
          return index === 0 ? { kind: 'ok', softDeleted } : { kind: 'wrong-expected-version' }; // CorruptedIdempotency
        }
        lastRevision = written.revision;
      }
      return eventIds.length === 0 ? { kind: 'ok', softDeleted } : { kind: 'idempotent', lastRevision };
    }

    if (expected < current) {
      // Strong idempotency: the ids must be exactly the events at expected+1, expected+2, ...
      const events = this.events(stream);
      let revision = expected;
      for (const id of eventIds) {
        revision += 1;
        if (events[revision]?.id === id) continue;
        if (revision !== expected + 1) return { kind: 'wrong-expected-version' }; // CorruptedIdempotency
        if (expected === WIRE_NO_STREAM && softDeleted) return { kind: 'ok', softDeleted };
        return { kind: 'wrong-expected-version' };
      }
      // An empty append behind the end matches nothing: the server answers WEV.
      if (eventIds.length === 0) return { kind: 'wrong-expected-version' };
      return { kind: 'idempotent', lastRevision: revision };
    }

    if (expected > current) return { kind: 'wrong-expected-version' };
    return { kind: 'ok', softDeleted };
  }

  /** After an append to a soft-deleted stream, `$tb` moves to the first new revision. */
  #softUndelete(stream: string, firstRevision: number): void {
    const { $tb: _deleted, ...rest } = this.metadata(stream).raw;
    this.#write(metastreamOf(stream), metadataEvent(JSON.stringify({ ...rest, $tb: firstRevision })));
  }

  #write(stream: string, event: ProposedEvent): LogRecord {
    const entry = this.#streamEntry(stream);
    const record = this.#record(stream, entry.events.length, false, event);
    entry.events.push(record);
    this.#byEventId.set(record.id, record);
    return record;
  }

  #record(stream: string, revision: number, isTombstone: boolean, event: ProposedEvent): LogRecord {
    const record: LogRecord = {
      ...event,
      stream,
      revision,
      isTombstone,
      position: this.#nextPosition,
      createdMs: Date.now(),
    };
    // Positions are byte offsets in a real log: monotonic, with gaps.
    this.#nextPosition += recordSize(record);
    this.#all.push(record);
    this.#uncommitted.push(record);
    return record;
  }

  #streamEntry(stream: string): StreamEntry {
    let entry = this.#streams.get(stream);
    if (!entry) {
      entry = { events: [] };
      this.#streams.set(stream, entry);
    }
    return entry;
  }

  /** The end of every write: the commit goes to the journal first, then the listeners hear of it. */
  #notify(): void {
    this.journal?.commit(this.#uncommitted);
    this.#uncommitted.length = 0;
    for (const listener of [...this.#listeners]) listener();
  }
}

/** The room a record takes in the log, which is the gap to the next position. */
function recordSize(record: LogRecord): number {
  return 64 + record.stream.length + 2 * record.type.length + record.data.length + record.customMetadata.length;
}

function metadataEvent(json: string): ProposedEvent {
  return {
    id: randomUUID(),
    type: '$metadata',
    contentType: 'application/json',
    data: encoder.encode(json),
    customMetadata: EMPTY,
  };
}
