import { randomUUID } from 'node:crypto';
import { ConcurrencyError } from '../errors/command-errors.js';
import {
  EventStore,
  type AppendOptions,
  type AppendResult,
  type AppendToStreamsOptions,
  type AppendToStreamsResult,
  type StreamAppendRequest,
  type EventData,
  type PositionedEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from './event-store.js';
import { isSystemStream, matchesAllFilter, validateReadAllOptions } from './all-filter.js';
import type { GlobalPosition } from './global-position.js';
import { ANY, NO_STREAM } from './expected-revision.js';
import { decide, type Stream } from './commit-check.js';
import { decideMultiStream, type CommitEntry } from './multi-stream-commit.js';
import { validateMultiStreamAppend } from './multi-stream-validation.js';
import { MultiStreamConcurrencyError } from '../errors/multi-stream-errors.js';
import {
  EMPTY_METADATA,
  NOT_PLAIN,
  StoredDate,
  frozenCopy,
  plainFrozenCopy,
  storedEventSize,
  takeSizeBound,
} from './frozen-records.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { EventTooLargeError } from '../errors/store-errors.js';
import { describeValue } from '../errors/describe-value.js';
import { InMemoryPersistentSubscriptions } from './in-memory-persistent-subscriptions.js';
import type { PersistentSubscriptions } from './persistent-subscriptions.js';
import {
  validateEventJson,
  validateEventList,
  validateEventShape,
  validateExpectedRevision,
  validateReadStreamOptions,
  validateStreamName,
} from './event-validation.js';

/**
 * The recorded event every read hands out, built once at append and deep-frozen (its `createdAt`
 * refuses its setters): writers keep nothing that reaches history and readers cannot change it, so
 * a read neither parses nor copies. Deserialization copies the data into a fresh instance anyway.
 */
type StoredEvent = Readonly<RecordedEvent>;

export interface InMemoryEventStoreOptions {
  /**
   * Bytes one append may hold, counted as KurrentDB counts them (each event's data and metadata as
   * UTF-8 JSON, plus twice its type's length); a larger append fails with EventTooLargeError and
   * writes nothing. Default 1 MiB, KurrentDB 24.10's `MaxAppendSize` default (25.1+ allows 256 MiB per
   * append, 16 MiB per event). `Infinity` turns the check off.
   */
  maxAppendSize?: number;
  /**
   * Where persistent subscriptions read the time (ms), for message timeouts and timed checkpoints.
   * Give a `ManualClock` (mneme/testing) to move time in tests. Default: the system clock.
   */
  clock?: { now(): number };
  /**
   * How often (ms) persistent subscriptions check message timeouts and timed checkpoints while a
   * consumer is connected (KurrentDB checks once a second). Default 100.
   */
  timerIntervalMs?: number;
}

/** KurrentDB 24.10's default `MaxAppendSize`: 1 MiB per append request. */
export const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;

const OPTION_NAMES = ['maxAppendSize', 'clock', 'timerIntervalMs'];

function resolveOptions(options: InMemoryEventStoreOptions): {
  maxAppendSize: number;
  clock: { now(): number };
  timerIntervalMs: number;
} {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidConfigurationError(
      'InMemoryEventStore options',
      `they must be an object, got ${describeValue(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key))
      throw new InvalidConfigurationError(
        key,
        `InMemoryEventStore has no such option; the options are ${OPTION_NAMES.join(', ')}`,
      );
  }
  const size: unknown = options.maxAppendSize === undefined ? DEFAULT_MAX_APPEND_SIZE : options.maxAppendSize;
  if (typeof size !== 'number' || !(size === Number.POSITIVE_INFINITY || (Number.isSafeInteger(size) && size >= 1))) {
    throw new InvalidConfigurationError(
      'maxAppendSize',
      `it must be a positive whole number of bytes (or Infinity), got ${describeValue(size)}`,
    );
  }
  const clock: unknown = options.clock ?? SYSTEM_CLOCK;
  if (typeof clock !== 'object' || clock === null || typeof (clock as { now?: unknown }).now !== 'function') {
    throw new InvalidConfigurationError(
      'clock',
      `it must be an object with a now() method returning ms, got ${describeValue(clock)}`,
    );
  }
  const interval: unknown = options.timerIntervalMs ?? 100;
  if (!Number.isSafeInteger(interval) || (interval as number) < 1) {
    throw new InvalidConfigurationError(
      'timerIntervalMs',
      `it must be a whole number of ms >= 1, got ${describeValue(interval)}`,
    );
  }
  return { maxAppendSize: size, clock: clock as { now(): number }, timerIntervalMs: interval as number };
}

const SYSTEM_CLOCK = Object.freeze({ now: () => Date.now() });

/**
 * The user's clock, contained: it is read inside appends and timers, where a throw would fail an
 * append that was already written or crash the process. A clock that throws or answers something
 * other than a finite number gives way to the system clock for that reading.
 */
function readClock(clock: { now(): number }): number {
  try {
    const now: unknown = clock.now();
    return typeof now === 'number' && Number.isFinite(now) ? now : Date.now();
  } catch {
    return Date.now();
  }
}

const NO_EVENTS: readonly RecordedEvent[] = Object.freeze([]);

/** A long read lets timers and I/O run this often (events), as a server read would between pages. */
const READ_YIELD_INTERVAL = 4096;

/**
 * How busy the store is, to yield as a server would at the least cost. Operations in flight are
 * counted; when one starts while another is in flight, the store counts as contended for
 * CONTENTION_WINDOW_MS, and its appends then wait a full event-loop turn, so every concurrent writer
 * reads before the first of them writes and they conflict as they would against a server. A store
 * used one command at a time never overlaps, and its appends start on a microtask instead.
 */
class Traffic {
  #inFlight = 0;
  #contendedUntil = 0;

  begin(): void {
    if (this.#inFlight++ > 0) this.#contendedUntil = performance.now() + CONTENTION_WINDOW_MS;
  }

  end(): void {
    this.#inFlight--;
  }

  /** Where an append waits before its check and write. */
  appendTurn(): Promise<void> {
    if (this.#inFlight > 1 || (this.#contendedUntil > 0 && performance.now() < this.#contendedUntil))
      return yieldToEventLoop();
    return nextTurn();
  }
}

/** The createdAt of a record not yet written (replaced before the record is frozen and stored). */
const UNWRITTEN = new StoredDate(0);
let lastCreatedAt = UNWRITTEN;

/**
 * The createdAt of an append now: appends within one millisecond share one StoredDate (it cannot
 * be changed, so sharing it is safe), instead of allocating a Date subclass per append.
 */
function storedDateNow(): StoredDate {
  const now = Date.now();
  if (lastCreatedAt.getTime() !== now) lastCreatedAt = new StoredDate(now);
  return lastCreatedAt;
}

/** How long one overlap of operations makes a store's appends wait full turns. */
const CONTENTION_WINDOW_MS = 100;

/**
 * The embedded event store: KurrentDB's append semantics (expected revisions, idempotent re-append
 * of the same event ids) in memory. Every operation is asynchronous, so concurrent commands
 * interleave as they would against a server: reads and appends start on a microtask, and take a
 * full event-loop turn at least once a millisecond (see nextTurn); while operations overlap, appends
 * always take a full turn (see Traffic).
 */
export class InMemoryEventStore extends EventStore {
  /** Nothing here deletes or truncates a stream. */
  override readonly appendOnly: boolean = true;
  readonly #streams = new Map<string, Stream>();
  /** Every event in commit order (KurrentDB's `$all`): its index is its position; the records themselves, no wrapper per event. */
  readonly #log: StoredEvent[] = [];
  /**
   * Event id -> the newest record written with it, in any stream: KurrentDB's lookup for the weak
   * idempotency of ANY and STREAM_EXISTS (the server's is a bounded cache; this one forgets nothing).
   */
  readonly #byEventId = new Map<string, StoredEvent>();
  /** Live subscriptions waiting for the next append. */
  readonly #appendListeners = new Set<() => void>();
  readonly #traffic = new Traffic();
  readonly #maxAppendSize: number;

  /** Consumer groups with KurrentDB's semantics (competing consumers, retries, parking, checkpoints). */
  readonly persistentSubscriptions: PersistentSubscriptions;

  constructor(options: InMemoryEventStoreOptions = {}) {
    super();
    const { maxAppendSize, clock, timerIntervalMs } = resolveOptions(options);
    this.#maxAppendSize = maxAppendSize;
    const streams = this.#streams;
    const listeners = this.#appendListeners;
    let writes = Promise.resolve();
    this.persistentSubscriptions = new InMemoryPersistentSubscriptions({
      streamEvents: (streamName) => streams.get(streamName)?.events ?? NO_EVENTS,
      log: this.#log,
      // The group's own streams, written in order; nothing of the caller's waits for them.
      append: (streamName, events) => {
        writes = writes
          .then(() => this.appendToStream(streamName, events))
          .then(
            () => undefined,
            () => undefined,
          );
      },
      now: () => readClock(clock),
      onAppend: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      timerIntervalMs,
    });
  }

  /** Bytes one append may hold (the sum of its events' sizes, as KurrentDB counts them). */
  get maxAppendSize(): number {
    return this.#maxAppendSize;
  }

  #checkAppendSize(
    streamName: string,
    events: readonly EventData[],
    prepared: readonly { type: string; data: unknown; metadata: unknown }[],
  ): void {
    let size = 0;
    for (let index = 0; index < prepared.length; index++) {
      const { type, data, metadata } = prepared[index]!;
      size += storedEventSize(type, data, events[index]!.metadata === undefined ? undefined : metadata);
      if (size > this.#maxAppendSize) throw new EventTooLargeError(streamName, this.#maxAppendSize);
    }
  }

  async appendToStream(streamName: string, events: EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? ANY;
    validateExpectedRevision(expected);
    validateEventList(streamName, events);
    // The records as they will be stored, built (unfrozen, without their revision) before the wait.
    const prepared = new Array<StoredEvent>(events.length);
    takeSizeBound();
    let sizeBound = 0;
    for (let index = 0; index < events.length; index++) {
      const event = events[index];
      validateEventShape(event, index);
      // Plain JSON (the usual case) is checked and copied in one walk; anything else is checked
      // first (the same checks and errors as every store's) and then copied.
      let data = plainFrozenCopy(event.data, 0);
      let metadata = plainFrozenCopy(event.metadata ?? EMPTY_METADATA, 0);
      if (data === NOT_PLAIN || metadata === NOT_PLAIN) {
        validateEventJson(event, index);
        data = frozenCopy(event.data);
        metadata = frozenCopy(event.metadata ?? {});
        sizeBound = Number.POSITIVE_INFINITY; // not counted: measured exactly below
      }
      sizeBound += 2 * event.type.length;
      // A literal, not a spread: every record then shares one object shape, which keeps replay's property reads fast.
      prepared[index] = {
        id: event.id ?? randomUUID(),
        streamName,
        revision: -1n,
        type: event.type,
        data,
        metadata: metadata as Record<string, unknown>,
        createdAt: UNWRITTEN,
      };
    }
    // KurrentDB's limit, checked as the server does (before the expected revision). The bound counted
    // during the copy settles the usual case; only an append that may be near the limit is measured.
    if (sizeBound + takeSizeBound() > this.#maxAppendSize) this.#checkAppendSize(streamName, events, prepared);
    // Asynchronous like a server. While other operations overlap this store's, a full turn: every
    // concurrent writer reads before the first of them writes, so they conflict as against a server.
    // One command at a time, a microtask (timers and I/O still run once a millisecond, see nextTurn).
    const traffic = this.#traffic;
    traffic.begin();
    await traffic.appendTurn();
    traffic.end();

    // From here to the write nothing awaits: the check and the write are one atomic step.
    const stream = this.#streams.get(streamName);
    const decision = decide(streamName, stream, expected, prepared, this.#byEventId);
    if (decision.kind === 'conflict') {
      throw new ConcurrencyError(streamName, expected, stream ? BigInt(stream.events.length - 1) : NO_STREAM);
    }
    if (decision.kind === 'idempotent') return { nextExpectedRevision: decision.lastRevision };
    if (prepared.length === 0) return { nextExpectedRevision: stream ? BigInt(stream.events.length - 1) : -1n };

    const target = stream ?? this.#createStream(streamName);
    const createdAt = storedDateNow();
    for (const stored of prepared) {
      const revision = target.events.length;
      this.#byEventId.set(stored.id, stored);
      (stored as { revision: bigint }).revision = BigInt(revision);
      (stored as { createdAt: Date }).createdAt = createdAt;
      target.events.push(Object.freeze(stored));
      this.#log.push(stored);
    }
    if (this.#appendListeners.size > 0) for (const listener of this.#appendListeners) listener();
    return { nextExpectedRevision: prepared[prepared.length - 1]!.revision };
  }

  /**
   * Several streams in one commit: every stream is checked first (KurrentDB's multi-stream commit,
   * see decideMultiStream), then all records are written back to back, so their positions are one
   * contiguous run of the log and a subscriber sees them together.
   */
  override async appendToStreams(
    requests: StreamAppendRequest[],
    options?: AppendToStreamsOptions,
  ): Promise<AppendToStreamsResult> {
    const checked = validateMultiStreamAppend(requests, options);
    let size = 0;
    const prepared = checked.requests.map(({ streamName, events }) =>
      events.map((event): StoredEvent => {
        const data = frozenCopy(event.data);
        const metadata = frozenCopy(event.metadata ?? {}) as Record<string, unknown>;
        // KurrentDB's limit on one append, over every stream of the commit.
        size += storedEventSize(event.type, data, event.metadata === undefined ? undefined : metadata);
        if (size > this.#maxAppendSize) throw new EventTooLargeError(streamName, this.#maxAppendSize);
        return {
          id: event.id ?? randomUUID(),
          streamName,
          revision: -1n,
          type: event.type,
          data,
          metadata,
          createdAt: UNWRITTEN,
        };
      }),
    );
    const traffic = this.#traffic;
    traffic.begin();
    await traffic.appendTurn();
    traffic.end();

    // From here to the write nothing awaits: every check and every write are one atomic step.
    const entries: CommitEntry[] = [
      ...checked.requests.map(({ streamName, expected }, index) => ({
        streamName,
        stream: this.#streams.get(streamName),
        expected,
        role: 'append' as const,
        ids: prepared[index]!,
      })),
      ...checked.checks.map(({ streamName, expected }) => ({
        streamName,
        stream: this.#streams.get(streamName),
        expected,
        role: 'check' as const,
        ids: [],
      })),
    ];
    const decision = decideMultiStream(entries, this.#byEventId);
    if (decision.kind === 'conflict') throw new MultiStreamConcurrencyError(decision.conflicts);
    if (decision.kind === 'idempotent') {
      // A rare path (a re-sent commit): finding the original records' places is a scan of the log.
      const last = Math.max(...decision.lastRecords.map((record) => this.#log.lastIndexOf(record)));
      return {
        streams: decision.lastRecords.map((record) => ({
          streamName: record.streamName,
          nextExpectedRevision: record.revision,
        })),
        position: positionAt(last),
      };
    }

    const createdAt = storedDateNow();
    const streams = checked.requests.map(({ streamName }, index) => {
      const target = this.#streams.get(streamName) ?? this.#createStream(streamName);
      for (const stored of prepared[index]!) {
        this.#byEventId.set(stored.id, stored);
        (stored as { revision: bigint }).revision = BigInt(target.events.length);
        (stored as { createdAt: Date }).createdAt = createdAt;
        target.events.push(Object.freeze(stored));
        this.#log.push(stored);
      }
      return { streamName, nextExpectedRevision: BigInt(target.events.length - 1) };
    });
    if (this.#appendListeners.size > 0) for (const listener of this.#appendListeners) listener();
    return { streams, position: positionAt(this.#log.length - 1) };
  }

  async *readStream(streamName: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    for await (const page of this.readStreamPages(streamName, options)) yield* page;
  }

  /**
   * The events `readStream` gives, in pages of up to 4096 (one event-loop turn between pages, as a
   * server read between its pages): replay takes a page per step instead of an iterator step per event.
   */
  override readStreamPages(
    streamName: string,
    options: ReadStreamOptions = {},
  ): AsyncIterable<readonly RecordedEvent[]> {
    return new PageReader(this.#streams, streamName, options, this.#traffic);
  }

  override async headPosition(): Promise<GlobalPosition | undefined> {
    return this.#log.length === 0 ? undefined : positionAt(this.#log.length - 1);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<PositionedEvent> {
    validateReadAllOptions(options);
    const { direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER, filter } = options;
    await yieldToEventLoop();
    const log = this.#log;
    const end = log.length; // a snapshot, as a server-side read
    const forwards = direction === 'forwards';
    const from = options.fromPosition === undefined ? undefined : Number(options.fromPosition.commit);
    let index = forwards
      ? from === undefined
        ? 0
        : from + 1
      : from === undefined
        ? end - 1
        : Math.min(from - 1, end - 1);
    for (let taken = 0; taken < maxCount && index >= 0 && index < end; index += forwards ? 1 : -1) {
      const entry = log[index]!;
      if (isSystemStream(entry.streamName) || !matchesAllFilter(filter, entry.streamName, entry.type)) continue;
      taken++;
      yield toPositioned(entry, index);
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterableIterator<PositionedEvent> {
    validateReadAllOptions(options);
    const { filter, onCheckpoint } = options;
    const log = this.#log;
    const listeners = this.#appendListeners;
    let cursor = options.fromPosition === undefined ? 0 : Number(options.fromPosition.commit) + 1;
    let closed = false;
    let sinceYield = 0;
    let wake: (() => void) | undefined;
    const listener = () => wake?.();
    const close = () => {
      closed = true;
      listeners.delete(listener);
      wake?.();
    };
    // Pull-based: nothing is buffered, and return() ends even a next() that waits for an append.
    return {
      async next(): Promise<IteratorResult<PositionedEvent>> {
        if (closed) return { value: undefined, done: true };
        listeners.add(listener);
        // Asynchronous like a server, without paying a macrotask for every event of a long catch-up.
        if (++sinceYield >= 64 || cursor >= log.length) {
          sinceYield = 0;
          await yieldToEventLoop();
        }
        while (!closed) {
          let skipped: number | undefined;
          while (cursor < log.length) {
            const index = cursor++;
            const entry = log[index]!;
            if (!isSystemStream(entry.streamName) && matchesAllFilter(filter, entry.streamName, entry.type)) {
              return { value: toPositioned(entry, index), done: false };
            }
            skipped = index;
          }
          // Like a server's checkpoint: everything up to here was looked at, nothing more matched.
          if (skipped !== undefined && onCheckpoint) {
            await onCheckpoint(positionAt(skipped));
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        return { value: undefined, done: true };
      },
      async return(): Promise<IteratorResult<PositionedEvent>> {
        close();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  #createStream(streamName: string): Stream {
    const stream: Stream = { events: [] };
    this.#streams.set(streamName, stream);
    return stream;
  }
}

const DONE: IteratorResult<readonly RecordedEvent[]> = Object.freeze({ value: undefined, done: true });
const DONE_PROMISE = Promise.resolve(DONE);

/**
 * The pages of one stream read, as an async generator would give them but written out: an async
 * generator costs several promises and microtask turns per step, and most reads (a command's
 * catch-up) are one short page. Errors (an invalid stream name) surface on the first `next()`.
 */
class PageReader implements AsyncIterableIterator<readonly RecordedEvent[]> {
  #started = false;
  #done = false;
  #events: readonly StoredEvent[] = [];
  #revision = 0;
  /** Exclusive, in the read's direction. */
  #end = 0;
  #step = 1;

  constructor(
    private readonly streams: ReadonlyMap<string, Stream>,
    private readonly streamName: string,
    private readonly options: ReadStreamOptions,
    private readonly traffic: Traffic,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<readonly RecordedEvent[]>> {
    // A read that has given its last page answers with one shared promise: nothing is allocated.
    if (this.#done) return DONE_PROMISE;
    return this.#started ? this.#following() : this.#first();
  }

  async #first(): Promise<IteratorResult<readonly RecordedEvent[]>> {
    this.#started = true;
    this.#done = true; // until the read is known to have events
    const { options } = this;
    validateStreamName(this.streamName);
    validateReadStreamOptions(options);
    const { direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER } = options;
    this.traffic.begin();
    await nextTurn();
    this.traffic.end();
    const stream = this.streams.get(this.streamName);
    if (!stream || maxCount <= 0) return DONE;
    // A read sees the stream as it was when the read began, like a server-side read.
    const last = stream.events.length - 1;
    if (direction === 'forwards') {
      this.#revision = Math.max(options.fromRevision === undefined ? 0 : Number(options.fromRevision), 0);
      this.#end = Math.min(last + 1, this.#revision + maxCount);
    } else {
      this.#revision = options.fromRevision === undefined ? last : Math.min(Number(options.fromRevision), last);
      this.#end = Math.max(-1, this.#revision - maxCount);
      this.#step = -1;
    }
    this.#events = stream.events;
    if (!this.#remaining()) return DONE;
    this.#done = false;
    return this.#page();
  }

  async #following(): Promise<IteratorResult<readonly RecordedEvent[]>> {
    await yieldToEventLoop(); // between pages, as a server between its pages
    if (this.#done) return DONE; // return() was called meanwhile
    return this.#page();
  }

  /** The next page; marks the read done when it is the last, so the next `next()` costs nothing. */
  #page(): IteratorResult<readonly RecordedEvent[]> {
    const size = Math.min(READ_YIELD_INTERVAL, Math.abs(this.#end - this.#revision));
    const page = new Array<RecordedEvent>(size);
    const events = this.#events;
    const step = this.#step;
    let revision = this.#revision;
    for (let i = 0; i < size; i++, revision += step) page[i] = events[revision]!;
    this.#revision = revision;
    if (!this.#remaining()) this.#done = true;
    return { value: page, done: false };
  }

  async return(): Promise<IteratorResult<readonly RecordedEvent[]>> {
    this.#done = true;
    return DONE;
  }

  #remaining(): boolean {
    return this.#step === 1 ? this.#revision < this.#end : this.#revision > this.#end;
  }
}

function toPositioned(event: StoredEvent, index: number): PositionedEvent {
  return { ...event, position: positionAt(index) };
}

function positionAt(index: number): GlobalPosition {
  return { commit: BigInt(index), prepare: BigInt(index) };
}

/** When the event loop last had a turn (see nextTurn). */
let lastLoopTurn = 0;
/** Longest stretch (ms) of reads and appends answered without letting timers and I/O run. */
const MAX_LOOP_HOLD_MS = 1;

/**
 * The start of a read or an append, asynchronous like a server's. A full event-loop turn costs
 * over a microsecond, more than a short read or a one-event append itself, so only one every
 * MAX_LOOP_HOLD_MS is a full turn (timers and I/O run then); the others are a microtask.
 */
function nextTurn(): Promise<void> {
  const now = performance.now();
  if (now - lastLoopTurn < MAX_LOOP_HOLD_MS) return Promise.resolve();
  lastLoopTurn = now;
  return yieldToEventLoop();
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
