import type { AllFilter, EventData, RecordedEvent } from './event-store.js';
import type { GlobalPosition } from './global-position.js';
import { isSystemStream, matchesAllFilter } from './all-filter.js';
import { dispatchStrategy, type DispatchStrategy } from './consumer-strategies.js';
import { GroupConsumer, type ConsumerOwner } from './in-memory-group-consumer.js';
import {
  ALL_STREAM,
  checkpointStreamName,
  parkedStreamName,
  type NackAction,
  type PersistentMessage,
  type PersistentSubscriptionInfo,
  type PersistentSubscriptionSettings,
} from './persistent-subscriptions.js';
import {
  PersistentSubscriptionDroppedError,
  type PersistentSubscriptionDropReason,
} from '../errors/persistent-subscription-errors.js';

/** What a group needs of the store that holds it. */
export interface GroupHost {
  /** The stored events of a stream, by revision (empty when it has none). */
  streamEvents(streamName: string): readonly RecordedEvent[];
  /** The global log, by position. */
  readonly log: readonly RecordedEvent[];
  /** Writes to the group's own streams (parked messages, checkpoints), in order, without waiting. */
  append(streamName: string, events: EventData[]): void;
  now(): number;
}

type PendingState = 'buffered' | 'retry' | 'in-flight' | 'handled' | 'parked' | 'stale';

/** One event of the group's source on its way through the group, from its read to its ack or park. */
interface Pending {
  /** Its index in the source (the stream's revision, or the log's position): the group's order and checkpoints. */
  readonly seq: number;
  readonly event: RecordedEvent;
  readonly link?: RecordedEvent;
  readonly position?: GlobalPosition;
  retryCount: number;
  state: PendingState;
  /** Brought back by a replay of parked messages: outside the checkpoint's reckoning (as on the server). */
  replayed: boolean;
  consumer?: GroupConsumer<Pending>;
  deadline: number;
}

/** Which group and which pending event each message handed out stands for. */
const delivered = new WeakMap<PersistentMessage, { group: InMemoryGroup; pending: Pending }>();

/**
 * One consumer group, as KurrentDB's PersistentSubscription runs it: reads its source into a
 * bounded buffer, pushes to consumers with room (retries first) by its strategy, times out
 * unacked messages, retries them until `maxRetryCount`, parks, and checkpoints the place before
 * which every message is handled.
 */
export class InMemoryGroup implements ConsumerOwner<Pending> {
  readonly #host: GroupHost;
  #settings: PersistentSubscriptionSettings;
  #strategy: DispatchStrategy<GroupConsumer<Pending>>;
  readonly #consumers: GroupConsumer<Pending>[] = [];
  #nextConsumerId = 1;
  /** The next index of the source to read. */
  #cursor = 0;
  readonly #buffer: Pending[] = [];
  #retry: Pending[] = [];
  readonly #outstanding = new Set<Pending>();
  readonly #parked: Pending[] = [];
  /** The source index of the last checkpoint: every message up to it was handled. */
  #checkpoint: number | undefined;
  /** Source indexes handled since the last checkpoint. */
  #handled: number[] = [];
  #lastCheckpointCheck: number;

  constructor(
    readonly streamName: string,
    readonly name: string,
    settings: PersistentSubscriptionSettings,
    readonly filter: AllFilter | undefined,
    host: GroupHost,
  ) {
    this.#host = host;
    this.#settings = settings;
    this.#strategy = dispatchStrategy(settings.consumerStrategy);
    this.#lastCheckpointCheck = host.now();
    this.#cursor = this.#startIndex();
  }

  get consumerCount(): number {
    return this.#consumers.length;
  }

  /** Joins a consumer, or says why it cannot. */
  join(bufferSize: number): GroupConsumer<Pending> | 'full' {
    const max = this.#settings.maxSubscriberCount;
    if (max !== 'unbounded' && this.#consumers.length >= max) return 'full';
    const consumer = new GroupConsumer(this.#nextConsumerId++, bufferSize, this);
    this.#consumers.push(consumer);
    this.pump();
    return consumer;
  }

  /** A consumer left: what it held unacked goes back to the group (retry count + 1). */
  leave(consumer: GroupConsumer<Pending>): void {
    if (!this.#remove(consumer)) return;
    const lost = [...consumer.inFlight].sort((a, b) => a.seq - b.seq);
    for (const pending of lost) this.#retryMessage(pending, 'consumer left');
    this.pump();
  }

  /** Ends every consumer (the group is updated, deleted or restarted). */
  dropAll(reason: PersistentSubscriptionDropReason): void {
    for (const consumer of [...this.#consumers]) {
      this.#remove(consumer);
      consumer.fail(new PersistentSubscriptionDroppedError(this.streamName, this.name, reason));
    }
  }

  /**
   * Starts again from the last checkpoint (or `startFrom` without one), as the server does on an
   * update or a restart: what was read, in flight or waiting for a retry is forgotten and read again.
   */
  restart(settings: PersistentSubscriptionSettings, reason: PersistentSubscriptionDropReason): void {
    this.dropAll(reason);
    for (const pending of [...this.#buffer, ...this.#retry, ...this.#outstanding]) pending.state = 'stale';
    this.#buffer.length = 0;
    this.#retry = [];
    this.#outstanding.clear();
    this.#handled = [];
    this.#settings = settings;
    this.#strategy = dispatchStrategy(settings.consumerStrategy);
    this.#cursor = this.#checkpoint === undefined ? this.#startIndex() : this.#checkpoint + 1;
  }

  /** Message timeouts and the timed checkpoint. */
  tick(now: number): void {
    for (const pending of [...this.#outstanding])
      if (pending.deadline <= now) this.#retryMessage(pending, 'message timeout');
    if (now - this.#lastCheckpointCheck >= this.#settings.checkpointAfterMs) {
      this.#lastCheckpointCheck = now;
      this.#tryCheckpoint(true);
    }
    this.pump();
  }

  ack(message: PersistentMessage): void {
    const pending = this.#own(message);
    if (pending === undefined || !isUnhandled(pending)) return; // already handled, parked, or from before a restart
    this.#settle(pending);
    this.#markHandled(pending);
    this.pump();
  }

  nack(message: PersistentMessage, action: NackAction, reason: string): void {
    const pending = this.#own(message);
    if (pending === undefined || !isUnhandled(pending)) return;
    if (action === 'skip') return this.ack(message);
    if (action === 'park') this.#park(pending, reason);
    else this.#retryMessage(pending, reason);
    this.pump();
  }

  /** Parked messages back into delivery (the oldest first), each with a retry count of 0. */
  replayParked(stopAt: number): void {
    const replayed = this.#parked.splice(0, Math.min(stopAt, this.#parked.length));
    for (const pending of replayed) {
      pending.retryCount = 0;
      pending.replayed = true;
      pending.state = 'retry';
      this.#retry.push(pending);
    }
    this.pump();
  }

  /** Hands out what it can: retries first, then the source in order, each to a consumer the strategy picks. */
  pump(): void {
    if (this.#consumers.length === 0) return;
    for (;;) {
      this.#fillBuffer();
      let sent = false;
      for (const queue of [this.#retry, this.#buffer]) {
        for (let index = 0; index < queue.length;) {
          const pending = queue[index]!;
          const picked = this.#strategy.pick(this.#consumers, pending.event.streamName);
          if (picked === undefined) return; // nobody has room
          if (picked === 'skip') {
            index++; // waits for its pinned consumer; later messages may go to others
            continue;
          }
          queue.splice(index, 1);
          this.#send(pending, picked);
          sent = true;
        }
      }
      if (!sent || !this.#canRead()) return;
    }
  }

  info(): PersistentSubscriptionInfo {
    const last = this.#checkpoint;
    return {
      streamName: this.streamName,
      group: this.name,
      settings: { ...this.#settings },
      parkedMessageCount: BigInt(this.#parked.length),
      totalInFlightMessages: this.#outstanding.size,
      ...(last === undefined ? {} : { lastCheckpoint: this.#isAll ? positionAt(last) : BigInt(last) }),
      consumers: this.#consumers.map((consumer) => consumer.info()),
    };
  }

  /** A message this group handed out, to its pending event. */
  #own(message: PersistentMessage): Pending | undefined {
    const entry = delivered.get(message);
    return entry?.group === this ? entry.pending : undefined;
  }

  get #isAll(): boolean {
    return this.streamName === ALL_STREAM;
  }

  #source(): readonly RecordedEvent[] {
    return this.#isAll ? this.#host.log : this.#host.streamEvents(this.streamName);
  }

  #startIndex(): number {
    const { startFrom } = this.#settings;
    if (startFrom === 'start') return 0;
    if (startFrom === 'end') return this.#source().length;
    if (typeof startFrom === 'bigint') return Number(startFrom);
    return Number(startFrom.commit);
  }

  #canRead(): boolean {
    return this.#buffer.length < this.#settings.historyBufferSize && this.#cursor < this.#source().length;
  }

  #fillBuffer(): void {
    const source = this.#source();
    const limit = this.#settings.historyBufferSize;
    while (this.#buffer.length < limit && this.#cursor < source.length) {
      const seq = this.#cursor++;
      const stored = source[seq]!;
      if (
        this.#isAll &&
        (isSystemStream(stored.streamName) || !matchesAllFilter(this.filter, stored.streamName, stored.type))
      )
        continue;
      this.#buffer.push(this.#pendingFor(seq, stored));
    }
  }

  #pendingFor(seq: number, stored: RecordedEvent): Pending {
    const target = this.#settings.resolveLinkTos ? this.#linkTarget(stored) : undefined;
    return {
      seq,
      event: target ?? stored,
      ...(target ? { link: stored } : {}),
      ...(this.#isAll ? { position: positionAt(seq) } : {}),
      retryCount: 0,
      state: 'buffered',
      replayed: false,
      deadline: 0,
    };
  }

  /** The event a link (`$>`, data `<revision>@<stream>`) points to, when it is still there. */
  #linkTarget(stored: RecordedEvent): RecordedEvent | undefined {
    if (stored.type !== '$>' || typeof stored.data !== 'string') return undefined;
    const match = /^(\d+)@(.+)$/s.exec(stored.data);
    if (!match) return undefined;
    return this.#host.streamEvents(match[2]!)[Number(match[1])];
  }

  #send(pending: Pending, consumer: GroupConsumer<Pending>): void {
    pending.state = 'in-flight';
    pending.consumer = consumer;
    pending.deadline = this.#host.now() + this.#settings.messageTimeoutMs;
    this.#outstanding.add(pending);
    const message: PersistentMessage = Object.freeze({
      event: pending.event,
      ...(pending.link ? { link: pending.link } : {}),
      ...(pending.position ? { position: pending.position } : {}),
      retryCount: pending.retryCount,
      ack: () => consumer.subscription.ack(message),
      nack: (action: NackAction, reason: string) => consumer.subscription.nack(action, reason, message),
    });
    delivered.set(message, { group: this, pending });
    consumer.deliver(pending, message);
  }

  /** Takes a pending event out of flight (or out of the retry queue). */
  #settle(pending: Pending): void {
    if (pending.state === 'retry') this.#retry = this.#retry.filter((other) => other !== pending);
    this.#outstanding.delete(pending);
    pending.consumer?.release(pending);
    pending.consumer = undefined;
  }

  /** Delivers again with retry count + 1, or parks once `maxRetryCount` retries are spent. */
  #retryMessage(pending: Pending, reason: string): void {
    this.#settle(pending);
    if (pending.retryCount >= this.#settings.maxRetryCount) {
      this.#park(pending, `${reason}; max retry count (${this.#settings.maxRetryCount}) reached`);
      return;
    }
    pending.retryCount++;
    pending.state = 'retry';
    const at = this.#retry.findIndex((other) => other.seq > pending.seq);
    this.#retry.splice(at === -1 ? this.#retry.length : at, 0, pending);
  }

  /** Into the parked stream (a link to the event, as the server writes it). */
  #park(pending: Pending, reason: string): void {
    this.#settle(pending);
    pending.state = 'parked';
    this.#parked.push(pending);
    const { event } = pending;
    this.#host.append(parkedStreamName(this.streamName, this.name), [
      { type: '$>', data: `${event.revision}@${event.streamName}`, metadata: { reason } },
    ]);
    this.#markHandled(pending);
  }

  #markHandled(pending: Pending): void {
    if (pending.state !== 'parked') pending.state = 'handled';
    if (pending.replayed) return;
    this.#handled.push(pending.seq);
    this.#tryCheckpoint(false);
  }

  /**
   * The server's rule: a checkpoint once `maxCheckpointCount` messages are handled, or on the timer
   * once `minCheckpointCount` are; it is the place just before the oldest message not yet handled.
   */
  #tryCheckpoint(timed: boolean): void {
    const lowest = this.#lowestUnhandled();
    const covered = this.#handled.filter((seq) => seq < lowest);
    const { minCheckpointCount, maxCheckpointCount } = this.#settings;
    if (!((timed && covered.length >= minCheckpointCount) || covered.length >= maxCheckpointCount)) return;
    const checkpoint = lowest - 1;
    if (this.#checkpoint !== undefined && checkpoint <= this.#checkpoint) return;
    this.#checkpoint = checkpoint;
    this.#handled = this.#handled.filter((seq) => seq >= lowest);
    const data = this.#isAll ? `C:${checkpoint}/P:${checkpoint}` : String(checkpoint);
    this.#host.append(checkpointStreamName(this.streamName, this.name), [{ type: '$SubscriptionCheckpoint', data }]);
  }

  #lowestUnhandled(): number {
    let lowest = this.#cursor;
    for (const queue of [this.#buffer, this.#retry, this.#outstanding]) {
      for (const pending of queue) if (!pending.replayed && pending.seq < lowest) lowest = pending.seq;
    }
    return lowest;
  }

  #remove(consumer: GroupConsumer<Pending>): boolean {
    const index = this.#consumers.indexOf(consumer);
    if (index === -1) return false;
    this.#consumers.splice(index, 1);
    this.#strategy.removed(consumer);
    return true;
  }
}

function isUnhandled(pending: Pending): boolean {
  return pending.state === 'in-flight' || pending.state === 'retry';
}

function positionAt(index: number): GlobalPosition {
  return { commit: BigInt(index), prepare: BigInt(index) };
}

export type { Pending as GroupPending };
