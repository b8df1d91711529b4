/** One subscription group: the server's PersistentSubscription state machine. Messages leave a
 * read buffer (or the retry queue, first) for the consumer the strategy picks; each stays
 * outstanding until acked, nacked, timed out or its consumer leaves; retried messages count
 * their retries and are parked past `maxRetryCount`; the checkpoint is the position before the
 * oldest unfinished message, written by count or, on the timer, by time. */
import type { InMemoryLog } from './log.js';
import { linkResolver, type LinkResolver } from './links.js';
import type { LogRecord } from './records.js';
import type { Consumer } from './psub-consumer.js';
import type { GroupMessage } from './psub-message.js';
import type { GroupSettings } from './psub-settings.js';
import type { GroupSource } from './psub-source.js';
import { GroupStreams } from './psub-group-streams.js';
import { consumerStrategy, type ConsumerStrategy } from './psub-strategy.js';

export type NackAction = 'unknown' | 'park' | 'retry' | 'skip' | 'stop';

/** How the group hands a message to a consumer's call. */
export type Deliver = (consumer: Consumer, message: GroupMessage) => void;

interface Outstanding {
  readonly message: GroupMessage;
  readonly consumer: Consumer;
  readonly sentAt: number;
  readonly expiresAt: number;
}

/** A record the filter passed over: it moves the checkpoint like a message that was acked at once. */
interface SkipMarker {
  readonly skipped: number;
}
type BufferEntry = GroupMessage | SkipMarker;
const isSkip = (entry: BufferEntry): entry is SkipMarker => 'skipped' in entry;

export interface GroupStatistics {
  readonly totalItems: number;
  readonly readBufferCount: number;
  readonly retryBufferCount: number;
  readonly outstandingMessagesCount: number;
  readonly totalInFlightMessages: number;
  readonly parkedMessageCount: number;
  readonly lastCheckpointedEventPosition?: string;
  readonly lastKnownEventPosition?: string;
  readonly live: boolean;
}

export class PersistentGroup {
  readonly streams: GroupStreams;
  readonly consumers: Consumer[] = [];
  #strategy: ConsumerStrategy;
  readonly #resolve: LinkResolver;
  /** Parked links are always resolved, whatever the group's resolveLinkTos. */
  readonly #resolveParked: LinkResolver;
  readonly #buffer: BufferEntry[] = [];
  #bufferHead = 0;
  /** Ordered by sequence; replayed parked messages (no sequence) at the end. */
  readonly #retry: GroupMessage[] = [];
  readonly #outstanding = new Map<string, Outstanding>();
  #nextSequence = 0;
  #lastKnownSequence = -1;
  #lastKnownPosition: number | undefined;
  #lastCheckpointedSequence = -1;
  #lastCheckpointTime = Number.NEGATIVE_INFINITY;
  #lastCheckpoint: number | undefined;
  #lastReadPosition: number | undefined;
  #totalItems = 0;

  constructor(
    readonly key: string,
    readonly groupName: string,
    readonly settings: GroupSettings,
    readonly source: GroupSource,
    log: InMemoryLog,
    private readonly deliver: Deliver,
  ) {
    this.streams = new GroupStreams(log, key);
    this.#strategy = consumerStrategy(settings.consumerStrategy);
    this.#resolve = linkResolver(log, settings.resolveLinkTos);
    this.#resolveParked = linkResolver(log, true);
    this.#load();
  }

  /** Where a fresh (or restarted) group begins: after its checkpoint, else at its start point. */
  #load(): void {
    const checkpoint = this.streams.loadCheckpoint();
    const position = checkpoint === undefined ? undefined : this.source.parse(checkpoint);
    if (position === undefined) {
      this.source.seekStart(this.settings.startFrom);
      return;
    }
    this.source.seekAfter(position);
    this.#nextSequence = 1;
    this.#lastCheckpointedSequence = 0;
    this.#lastKnownSequence = 0;
    this.#lastKnownPosition = position;
    this.#lastCheckpoint = position;
  }

  get hasReachedMaxConsumers(): boolean {
    return this.settings.maxSubscriberCount !== 0 && this.consumers.length >= this.settings.maxSubscriberCount;
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.#strategy.added(consumer);
    this.push();
  }

  /** A consumer that leaves hands its messages back for retry (oldest first), as RemoveClientByCorrelationId. */
  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index === -1) return;
    this.consumers.splice(index, 1);
    this.#strategy.removed(consumer);
    const lost = [...consumer.inFlight]
      .map((id) => this.#outstanding.get(id)?.message)
      .filter((message): message is GroupMessage => message !== undefined)
      .sort((a, b) => a.record.revision - b.record.revision);
    for (const message of lost) this.#retryMessage(message);
    consumer.inFlight.clear();
    this.push();
  }

  ack(ids: readonly string[]): void {
    if (this.settings.extraStatistics) {
      const now = Date.now();
      for (const id of ids) {
        const outstanding = this.#outstanding.get(id);
        outstanding?.consumer.ackLatencies.push(now - outstanding.sentAt);
      }
    }
    this.#finish(ids);
    this.#tryCheckpoint(false);
    this.push();
  }

  nack(ids: readonly string[], action: NackAction, reason: string): void {
    for (const id of ids) {
      const message = this.#outstanding.get(id)?.message;
      if (!message) continue;
      if (action === 'retry' || action === 'unknown') {
        if (!this.#parkIfExhausted(message)) this.#retryMessage(message);
      } else if (action === 'park') {
        this.#park(message, `Client explicitly NAK'ed message.\n${reason}`);
      }
      // skip and stop: the server just forgets the message (its StopSubscription is a no-op).
    }
    this.#finish(ids);
    this.#tryCheckpoint(false);
    this.push();
  }

  /** The server's one-second clock tick: time out messages, push, checkpoint by time. */
  tick(now: number): void {
    for (const { message, expiresAt } of [...this.#outstanding.values()]) {
      if (expiresAt > now) continue;
      if (!this.#parkIfExhausted(message)) this.#retryMessage(message);
    }
    this.push();
    this.#tryCheckpoint(true);
  }

  /** Queues the parked messages before `stopAt` (all when undefined) for redelivery, then marks them replayed. */
  replayParked(stopAt: number | undefined): void {
    const parked = this.streams.parked();
    if (parked.length === 0) return;
    const end = parked[parked.length - 1]!.revision + 1;
    const stop = stopAt === undefined ? end : Math.min(stopAt, end);
    for (const link of parked) {
      if (link.revision >= stop) break;
      const resolved = this.#resolveParked(link);
      if (!resolved.event) continue;
      this.#retry.push({ eventId: link.id, record: link, resolved, position: link.revision, retryCount: 0 });
    }
    this.streams.markReplayed(stop);
    this.push();
  }

  /** Drops every consumer (delete, update, restart): the caller ends their calls. */
  shutdown(): Consumer[] {
    const dropped = this.consumers.splice(0);
    for (const consumer of dropped) this.#strategy.removed(consumer);
    return dropped;
  }

  /** Sends what the consumers have room for: retries first, then the read buffer, in order. */
  push(): void {
    if (this.consumers.length === 0) return;
    if (!this.#pushRetries()) return;
    for (;;) {
      this.#fill();
      const head = this.#buffer[this.#bufferHead];
      if (!head) return;
      if (isSkip(head)) {
        this.#takeBufferHead();
        this.#lastKnownSequence = this.#nextSequence++;
        this.#lastKnownPosition = head.skipped;
        continue;
      }
      head.sequence = this.#nextSequence;
      head.previousPosition = this.#lastKnownPosition;
      const result = this.#strategy.choose(head);
      if (result.kind === 'no-capacity') {
        head.sequence = undefined;
        head.previousPosition = undefined;
        return;
      }
      this.#takeBufferHead();
      this.#lastKnownSequence = this.#nextSequence++;
      this.#lastKnownPosition = head.position;
      if (result.kind === 'sent') this.#begin(head, result.consumer);
      else this.#retry.push(head);
    }
  }

  /** One pass over the retry queue, keeping what could not be sent in order; false when nobody has room. */
  #pushRetries(): boolean {
    if (this.#retry.length === 0) return true;
    const kept: GroupMessage[] = [];
    let index = 0;
    let room = true;
    for (; index < this.#retry.length; index += 1) {
      const message = this.#retry[index]!;
      const result = this.#strategy.choose(message);
      if (result.kind === 'no-capacity') {
        room = false;
        break;
      }
      if (result.kind === 'skipped') kept.push(message);
      else this.#begin(message, result.consumer);
    }
    const rest = this.#retry.slice(index);
    this.#retry.length = 0;
    this.#retry.push(...kept, ...rest);
    return room;
  }

  /** The read buffer is consumed from a moving head (Array.shift is linear), compacted now and then. */
  #takeBufferHead(): void {
    this.#bufferHead += 1;
    if (this.#bufferHead >= 1024 || this.#bufferHead === this.#buffer.length) {
      this.#buffer.splice(0, this.#bufferHead);
      this.#bufferHead = 0;
    }
  }

  get #bufferedCount(): number {
    return this.#buffer.length - this.#bufferHead;
  }

  statistics(): GroupStatistics {
    let inFlight = 0;
    for (const consumer of this.consumers) inFlight += consumer.inFlight.size;
    return {
      totalItems: this.#totalItems,
      readBufferCount: this.#buffer.slice(this.#bufferHead).filter((entry) => !isSkip(entry)).length,
      retryBufferCount: this.#retry.length,
      outstandingMessagesCount: this.#outstanding.size,
      totalInFlightMessages: inFlight,
      parkedMessageCount: this.streams.parkedCount(),
      lastCheckpointedEventPosition:
        this.#lastCheckpoint === undefined ? undefined : this.source.format(this.#lastCheckpoint),
      lastKnownEventPosition:
        this.#lastReadPosition === undefined ? undefined : this.source.format(this.#lastReadPosition),
      live: this.source.atEnd,
    };
  }

  /** Reads ahead up to the history buffer size. */
  #fill(): void {
    while (this.#bufferedCount < this.settings.historyBufferSize) {
      const item = this.source.next();
      if (!item) return;
      if (item.kind === 'skipped') {
        this.#buffer.push({ skipped: item.position });
        continue;
      }
      this.#buffer.push(this.#messageFor(item.record));
      this.#lastReadPosition = this.source.positionOf(item.record);
    }
  }

  #messageFor(record: LogRecord): GroupMessage {
    const resolved = this.#resolve(record);
    return { eventId: record.id, record, resolved, position: this.source.positionOf(record), retryCount: 0 };
  }

  #begin(message: GroupMessage, consumer: Consumer): void {
    const now = Date.now();
    this.#outstanding.set(message.eventId, {
      message,
      consumer,
      sentAt: now,
      expiresAt: now + this.settings.messageTimeoutMs,
    });
    consumer.inFlight.add(message.eventId);
    consumer.totalItems += 1;
    this.#totalItems += 1;
    this.deliver(consumer, message);
  }

  #finish(ids: readonly string[]): void {
    for (const id of ids) {
      const outstanding = this.#outstanding.get(id);
      this.#outstanding.delete(id);
      outstanding?.consumer.inFlight.delete(id);
      for (const consumer of this.consumers) consumer.inFlight.delete(id);
    }
  }

  #parkIfExhausted(message: GroupMessage): boolean {
    if (message.retryCount < this.settings.maxRetryCount) return false;
    this.#park(message, `Reached retry count of ${this.settings.maxRetryCount}`);
    return true;
  }

  #park(message: GroupMessage, reason: string): void {
    this.streams.park(message, reason);
    this.#finish([message.eventId]);
  }

  #retryMessage(message: GroupMessage): void {
    this.#finish([message.eventId]);
    message.retryCount += 1;
    const at =
      message.sequence === undefined
        ? -1
        : this.#retry.findIndex((queued) => queued.sequence === undefined || queued.sequence > message.sequence!);
    if (at === -1) this.#retry.push(message);
    else this.#retry.splice(at, 0, message);
  }

  #tryCheckpoint(isTimeCheck: boolean): void {
    let lowest: GroupMessage | undefined;
    const consider = (message: GroupMessage) => {
      if (message.sequence !== undefined && (!lowest || message.sequence < lowest.sequence!)) lowest = message;
    };
    for (const { message } of this.#outstanding.values()) consider(message);
    for (const message of this.#retry) consider(message);

    let sequence: number;
    let position: number | undefined;
    if (lowest) {
      sequence = lowest.sequence! - 1;
      position = lowest.previousPosition;
      // The first message is unfinished and nothing was checkpointed before it.
      if (position === undefined) return;
    } else {
      sequence = this.#lastKnownSequence;
      position = this.#lastKnownPosition;
    }
    if (sequence === -1 || position === undefined) return;

    const { checkPointAfterMs, minCheckPointCount, maxCheckPointCount } = this.settings;
    const difference = sequence - this.#lastCheckpointedSequence;
    const now = Date.now();
    const after = checkPointAfterMs === 0 ? Number.POSITIVE_INFINITY : checkPointAfterMs;
    if (now - this.#lastCheckpointTime < after && difference < maxCheckPointCount) return;
    if ((difference >= minCheckPointCount && isTimeCheck) || difference >= maxCheckPointCount) {
      this.#lastCheckpointTime = now;
      this.#lastCheckpointedSequence = sequence;
      this.#lastCheckpoint = position;
      this.streams.writeCheckpoint(this.source.format(position));
    }
  }
}
