import type { ExpectedRevision } from './expected-revision.js';
import type { GlobalPosition } from './global-position.js';

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

/** One stream of a multi-stream append: its events, and where the writer believes it is. */
export interface StreamAppendRequest {
  streamName: string;
  /** At least one: a stream read but not written belongs in `checks`. */
  events: EventData[];
  /** Defaults to `ANY`. */
  expectedRevision?: ExpectedRevision;
}

/**
 * A stream the decision read but does not write: the append happens only if it is still where the
 * writer saw it. `ANY` would check nothing, so it is refused.
 */
export interface StreamCheck {
  streamName: string;
  expectedRevision: Exclude<ExpectedRevision, 'any'>;
}

export interface AppendToStreamsOptions {
  checks?: StreamCheck[];
}

/** Where each written stream ended (in request order), and the global position of the last record written. */
export interface AppendToStreamsResult {
  streams: { streamName: string; nextExpectedRevision: bigint }[];
  position: GlobalPosition;
}

export type ReadDirection = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: bigint;
  direction?: ReadDirection;
  maxCount?: number;
}

/** An event read from the global log: a recorded event and its place in that log. */
export interface PositionedEvent extends RecordedEvent {
  position: GlobalPosition;
}

/**
 * Selects events of the global log, by stream-name prefixes or by event-type prefixes (one of the
 * two). System streams (`$…`) are always left out, filter or not.
 */
export type AllFilter = { streamNamePrefixes: readonly string[] } | { eventTypePrefixes: readonly string[] };

export interface ReadAllOptions {
  /** Exclusive: the read starts just after (forwards) or just before (backwards) this position. */
  fromPosition?: GlobalPosition;
  direction?: ReadDirection;
  maxCount?: number;
  filter?: AllFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the subscription delivers what comes after it. Default: the start of the log. */
  fromPosition?: GlobalPosition;
  filter?: AllFilter;
  /**
   * Called, in order with the events, when the store has looked past events the filter left out:
   * every event before `position` has been delivered, none after it. Lets a sparse subscription
   * advance its checkpoint. Awaited before the next event is delivered.
   */
  onCheckpoint?: (position: GlobalPosition) => void | Promise<void>;
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

  /**
   * Optional capability: appends to several streams in one atomic commit (all streams written or
   * none), each at its expected revision, provided every check still holds. Throws
   * `MultiStreamConcurrencyError` (a `ConcurrencyError`) naming every stream whose expectation or
   * check failed. A re-sent request with the same event ids succeeds without writing again when every
   * written stream recognises its ids. Optional so that stores written before it still compile: call
   * it through `appendToStreams(store, ...)`, which throws `MultiStreamAppendUnsupportedError` for them.
   */
  appendToStreams?(requests: StreamAppendRequest[], options?: AppendToStreamsOptions): Promise<AppendToStreamsResult>;

  /** Streams the events; a missing (or soft-deleted) stream yields nothing. */
  abstract readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;

  /**
   * Optional capability: the events `readStream` gives, in arrays (a cheaper path for replay, which
   * then takes one step per page instead of one per event). Stores without it are read with `readStream`.
   * A subclass that overrides `readStream` but not this is read with `readStream`.
   */
  readStreamPages?(streamName: string, options?: ReadStreamOptions): AsyncIterable<readonly RecordedEvent[]>;

  /**
   * Optional capability: keep only the latest `maxCount` events of a stream, the older ones being
   * scavenged (KurrentDB's `$maxCount` stream metadata). Snapshots use it when a store has it;
   * stores without it keep every event.
   */
  setStreamMaxCount?(streamName: string, maxCount: number): Promise<void>;

  /**
   * Optional capability: the position of the last record of the global log, system records
   * included (undefined for an empty log). Projections use it to notice a checkpoint that is ahead
   * of the log (the store was reset); stores without it are checked against `readAll`.
   */
  headPosition?(): Promise<GlobalPosition | undefined>;

  /**
   * True when a stream's events, once stored, always read back: the store has no soft delete, no
   * truncation, no `$maxCount`/`$maxAge`. Cached aggregates then skip checking that the history
   * they were built from is still there (one read less per command). Unset: assume it may change.
   */
  readonly appendOnly?: boolean;

  /** Streams the global log in store order (what was there when the read began), without system streams. */
  abstract readAll(options?: ReadAllOptions): AsyncIterable<PositionedEvent>;

  /**
   * Delivers the global log from `fromPosition` on, then follows new appends until the consumer
   * stops (break out of `for await`, or call the iterator's `return()`, even while it waits).
   * Fails the iteration when the store's connection drops: resubscribe from the last position seen.
   */
  abstract subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<PositionedEvent>;
}
