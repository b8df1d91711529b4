import type { AllFilter, RecordedEvent } from './event-store.js';
import type { GlobalPosition } from './global-position.js';

/**
 * Persistent subscriptions: consumer groups the store keeps (KurrentDB's competing consumers). The
 * store remembers each group's place, hands every event to one of the group's connected consumers,
 * waits for an ack, redelivers what times out or is nacked for retry, and parks what keeps failing.
 *
 * The names and semantics follow KurrentDB's (and the official client's) one for one, so that
 * `KurrentEventStore` maps each call onto one client call. A group lives on one stream, or on the
 * global log (`ALL_STREAM`, with an optional `AllFilter`), and is named by that stream and its name.
 */
export interface PersistentSubscriptions {
  /** Creates a group. Throws `PersistentSubscriptionExistsError` when the stream already has one of that name. */
  createGroup(streamName: string, group: string, options?: CreateGroupOptions): Promise<void>;

  /**
   * Replaces a group's settings (what is not given takes its default, as on the server). The group
   * restarts: its consumers are dropped (`PersistentSubscriptionDroppedError`) and it resumes from
   * its last checkpoint, so messages after it may be delivered again.
   */
  updateGroup(streamName: string, group: string, settings?: Partial<PersistentSubscriptionSettings>): Promise<void>;

  /** Deletes a group; its consumers are dropped. Throws `PersistentSubscriptionNotFoundError`. */
  deleteGroup(streamName: string, group: string): Promise<void>;

  /** The group's settings, counters and connected consumers. Throws `PersistentSubscriptionNotFoundError`. */
  getGroupInfo(streamName: string, group: string): Promise<PersistentSubscriptionInfo>;

  /** Every group (no argument), the groups on one stream, or the groups on the global log (`ALL_STREAM`); [] when none. */
  listGroups(streamName?: string): Promise<PersistentSubscriptionInfo[]>;

  /**
   * Joins the group as one more consumer. Nothing is checked until the iteration starts: a missing
   * group (`PersistentSubscriptionNotFoundError`) or a full one
   * (`PersistentSubscriptionMaxSubscribersError`) fails the first `next()`.
   */
  subscribe(streamName: string, group: string, options?: SubscribeToGroupOptions): PersistentSubscription;

  /**
   * Moves the group's parked messages (all of them, or the first `stopAt`) back into delivery, each
   * with a retry count of 0. Throws `PersistentSubscriptionNotFoundError`.
   */
  replayParkedMessages(streamName: string, group: string, options?: ReplayParkedOptions): Promise<void>;

  /**
   * Restarts every group as a server restart would: consumers are dropped, and each group resumes
   * from its last checkpoint (messages after it are delivered again). What the checkpoints are for.
   */
  restartSubsystem(): Promise<void>;
}

/** The stream name that means the global log (KurrentDB's `$all`). */
export const ALL_STREAM = '$all';

/** How the group shares its events among its consumers. */
export type ConsumerStrategy =
  /** Each event to the next consumer with room, in turn (the default). */
  | 'RoundRobin'
  /** Fill one consumer's buffer before moving to the next. */
  | 'DispatchToSingle'
  /**
   * Per-stream affinity: the events of one stream (for a resolved link, the linked event's stream)
   * go to one consumer while it is connected; they wait for it when its buffer is full.
   */
  | 'Pinned';

/** Every consumer strategy, in the order the docs list them. */
export const CONSUMER_STRATEGIES: readonly ConsumerStrategy[] = Object.freeze([
  'RoundRobin',
  'DispatchToSingle',
  'Pinned',
]);

/**
 * Where a new group starts: the first event, the end (only what is appended after creation), or an
 * inclusive place (a stream revision for a stream group, a position of the log for an `ALL_STREAM` group).
 */
export type PersistentStartFrom = 'start' | 'end' | bigint | GlobalPosition;

/** A group's settings: KurrentDB's, with its defaults (see `DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS`). */
export interface PersistentSubscriptionSettings {
  /** Default `'end'`. */
  startFrom: PersistentStartFrom;
  /** Deliver the event a link (`$>`) points to rather than the link. Default false. */
  resolveLinkTos: boolean;
  /** Server-side latency statistics. Default false. */
  extraStatistics: boolean;
  /** A message not acked within this many ms is delivered again, its retry count one higher. Default 30 000. */
  messageTimeoutMs: number;
  /** A message retried (timed out or nacked with `retry`) this many times is parked the next time. Default 10. */
  maxRetryCount: number;
  /** How often (ms) the group may write its checkpoint. Default 2 000. */
  checkpointAfterMs: number;
  /** Messages handled since the last checkpoint before a timed checkpoint is written. Default 10. */
  minCheckpointCount: number;
  /** Messages handled since the last checkpoint that force one at once. Default 1 000. */
  maxCheckpointCount: number;
  /** Consumers the group accepts at once. Default `'unbounded'`. */
  maxSubscriberCount: number | 'unbounded';
  /** Live events the server buffers per group. Default 500. */
  liveBufferSize: number;
  /** Events read at a time while catching up; below both buffer sizes. Default 20. */
  readBatchSize: number;
  /** Events cached while catching up. Default 500. */
  historyBufferSize: number;
  /** Default `'RoundRobin'`. */
  consumerStrategy: ConsumerStrategy;
}

/** KurrentDB's defaults (the client's `persistentSubscriptionToStreamSettingsFromDefaults()`). */
export const DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS: Readonly<PersistentSubscriptionSettings> = Object.freeze({
  startFrom: 'end',
  resolveLinkTos: false,
  extraStatistics: false,
  messageTimeoutMs: 30_000,
  maxRetryCount: 10,
  checkpointAfterMs: 2_000,
  minCheckpointCount: 10,
  maxCheckpointCount: 1_000,
  maxSubscriberCount: 'unbounded',
  liveBufferSize: 500,
  readBatchSize: 20,
  historyBufferSize: 500,
  consumerStrategy: 'RoundRobin',
});

export interface CreateGroupOptions extends Partial<PersistentSubscriptionSettings> {
  /** Only for an `ALL_STREAM` group: which events of the log it delivers. Fixed at creation. */
  filter?: AllFilter;
}

export interface SubscribeToGroupOptions {
  /** Messages this consumer holds unacked at most (its in-flight bound). Default 10, as the client's. */
  bufferSize?: number;
}

export interface ReplayParkedOptions {
  /** Replay at most this many parked messages (the oldest). Default: all. */
  stopAt?: number;
}

/** What a nack asks for: park the message now, deliver it again (retry count + 1), or drop it as if handled. */
export type NackAction = 'park' | 'retry' | 'skip';

/** One delivery of an event to one consumer. */
export interface PersistentMessage {
  /** The event (for a resolved link, the event it points to). */
  readonly event: RecordedEvent;
  /** The link (`$>`) the event was reached through, when `resolveLinkTos` resolved one. */
  readonly link?: RecordedEvent;
  /** Its place in the global log, for an `ALL_STREAM` group. */
  readonly position?: GlobalPosition;
  /** How many times it was delivered before this delivery (0 the first time, and after a replay of parked messages). */
  readonly retryCount: number;
  /** Tells the group the event is handled. Same as `subscription.ack(message)`. */
  ack(): Promise<void>;
  /** Same as `subscription.nack(action, reason, message)`. */
  nack(action: NackAction, reason: string): Promise<void>;
}

/**
 * One consumer of a group: iterate it for messages, ack or nack each. Breaking out of the loop (or
 * `unsubscribe()`) leaves the group; the messages it held unacked go back to the group at once and
 * are delivered again (retry count + 1). The iteration fails with `PersistentSubscriptionDroppedError`
 * when the group is updated, deleted or restarted, or the connection drops.
 */
export interface PersistentSubscription extends AsyncIterable<PersistentMessage> {
  ack(...messages: PersistentMessage[]): Promise<void>;
  nack(action: NackAction, reason: string, ...messages: PersistentMessage[]): Promise<void>;
  unsubscribe(): Promise<void>;
}

/** A connected consumer, as `getGroupInfo` reports it. */
export interface PersistentConsumerInfo {
  /** The consumer's connection name. */
  readonly connectionName: string;
  readonly inFlightMessages: number;
  /** Room left in its buffer. */
  readonly availableSlots: number;
  /** Messages delivered to it so far. */
  readonly totalItems: bigint;
}

export interface PersistentSubscriptionInfo {
  /** The group's stream, or `ALL_STREAM`. */
  readonly streamName: string;
  readonly group: string;
  readonly settings: PersistentSubscriptionSettings;
  /** Messages waiting in the parked stream, not yet replayed. */
  readonly parkedMessageCount: bigint;
  /** Messages delivered and not yet acked, across consumers. */
  readonly totalInFlightMessages: number;
  /** The last checkpoint: a stream revision (stream group) or a log position (`ALL_STREAM` group); undefined before the first. */
  readonly lastCheckpoint?: bigint | GlobalPosition;
  readonly consumers: readonly PersistentConsumerInfo[];
}

/** The server's stream for a group's parked messages (links to the parked events). */
export function parkedStreamName(streamName: string, group: string): string {
  return `$persistentsubscription-${streamName}::${group}-parked`;
}

/** The server's stream for a group's checkpoints. */
export function checkpointStreamName(streamName: string, group: string): string {
  return `$persistentsubscription-${streamName}::${group}-checkpoint`;
}

/** A store that offers persistent subscriptions holds them here. */
export interface WithPersistentSubscriptions {
  readonly persistentSubscriptions: PersistentSubscriptions;
}

/** The store's persistent subscriptions, or undefined when the store has none. */
export function persistentSubscriptionsOf(store: object): PersistentSubscriptions | undefined {
  const candidate = (store as Partial<WithPersistentSubscriptions>).persistentSubscriptions;
  return typeof candidate === 'object' && candidate !== null ? candidate : undefined;
}
