import type { ExpectedRevision } from './expected-revision.js';

/** An event to append. `id` (a UUID) is generated when absent; keeping it makes retries idempotent. */
export interface EventData {
  id?: string;
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
}

/** An event as stored. `revision` is its 0-based position in its stream. */
export interface RecordedEvent {
  id: string;
  streamName: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

export interface AppendOptions {
  /** Defaults to `ANY`. */
  expectedRevision?: ExpectedRevision;
}

/** The revision of the stream's last event after the append. */
export interface AppendResult {
  nextExpectedRevision: bigint;
}

export type ReadDirection = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: bigint;
  direction?: ReadDirection;
  maxCount?: number;
}

/**
 * The contract every event store honours, with KurrentDB's semantics (see the contract suite in
 * test/contract). Also the dependency-injection token.
 */
export abstract class EventStore {
  /**
   * Appends atomically: all events or none. Throws `ConcurrencyError` when the stream is not at
   * `expectedRevision`. Re-appending the very same event ids is idempotent, as in KurrentDB.
   */
  abstract appendToStream(streamName: string, events: EventData[], options?: AppendOptions): Promise<AppendResult>;

  /** Streams the events; a missing (or soft-deleted) stream yields nothing. */
  abstract readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;

  /**
   * Optional capability: keep only the latest `maxCount` events of a stream, the older ones being
   * scavenged (KurrentDB's `$maxCount` stream metadata). Snapshots use it when a store has it;
   * stores without it keep every event.
   */
  setStreamMaxCount?(streamName: string, maxCount: number): Promise<void>;
}
