import { randomUUID } from 'node:crypto';
import { inspect, type InspectOptionsStylized } from 'node:util';
import type {
  JSONType,
  KurrentDBClient,
  ReadRevision,
  RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError } from '../errors/command-errors.js';
import type { MnemeError } from '../errors/mneme-error.js';
import {
  EventStoreError,
  EventStoreTimeoutError,
  InvalidConnectionStringError,
  StreamDeletedError,
  type StoreOperation,
} from '../errors/store-errors.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';
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
} from '../store/event-store.js';
import { validateReadAllOptions } from '../store/all-filter.js';
import { comparePositions } from '../store/global-position.js';
import { isDeliverable, kurrentFilter, positionedEvent, subscribeToAllOnKurrent } from './all-stream.js';
import {
  validateEventsToAppend,
  validateExpectedRevision,
  validateReadStreamOptions,
  validateStreamName,
} from '../store/event-validation.js';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  expectedRevisionMatches,
  type ExpectedRevision,
} from '../store/expected-revision.js';
import { connect, connectionStringFromEnvironment } from './kurrent-connection.js';
import { DeadlinePassed, MAX_DEADLINE_MS, eachWithin, withDeadline } from './deadline.js';
import { mapKurrentError } from './error-mapping.js';
import { appendToStreamsOnKurrent } from './multi-stream-append.js';
import { validateMultiStreamAppend } from '../store/multi-stream-validation.js';
import { kurrentClient } from './kurrent-client.js';
import { KurrentPersistentSubscriptions } from './kurrent-persistent-subscriptions.js';
import type { PersistentSubscriptions } from '../store/persistent-subscriptions.js';

export interface KurrentEventStoreOptions {
  /** Events asked for per read request (default 4096); events are passed on as they arrive. */
  readPageSize?: number;
  /**
   * The longest any one wait on the server may take, in milliseconds (default 10 000): an append,
   * or the next event of a read. Past it the call fails with EventStoreTimeoutError (transient).
   */
  deadlineMs?: number;
}

/** Large enough that the per-request latency (~25 ms through the client's bridge) is amortised. */
export const DEFAULT_READ_PAGE_SIZE = 4096;

/** The client's own default deadline. */
export const DEFAULT_DEADLINE_MS = 10_000;

/** The store's options and their rules (`createKurrentEventStore` checks them too, beside its own). */
export const KURRENT_EVENT_STORE_OPTIONS: OptionShape = {
  readPageSize: rule.integer(1),
  deadlineMs: rule.custom(
    `a whole number of milliseconds from 1 to ${MAX_DEADLINE_MS}`,
    (value) => Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_DEADLINE_MS,
  ),
} satisfies Record<keyof KurrentEventStoreOptions, unknown>;

/** Where a client we were handed lives: we cannot see its connection string. */
const SUPPLIED_CLIENT_TARGET = 'the server of the KurrentDBClient given to KurrentEventStore';

/**
 * The EventStore on KurrentDB, through `@kurrent/kurrentdb-client`. Same contract as
 * InMemoryEventStore; client errors become Mneme errors (see error-mapping.ts).
 */
export class KurrentEventStore extends EventStore {
  /** The underlying client, for what the EventStore contract does not cover (subscriptions, deletes). */
  readonly client: KurrentDBClient;
  /** Consumer groups on the server, through the client's persistent-subscription calls. */
  readonly persistentSubscriptions: PersistentSubscriptions;
  readonly #ownsClient: boolean;
  readonly #target: string;
  readonly #secrets: readonly string[];
  readonly #readPageSize: number;
  readonly #deadlineMs: number;
  #closing?: Promise<void>;

  /** From a connection string (the store owns and closes the client) or an existing client (you close it). */
  constructor(connection: string | KurrentDBClient, options: KurrentEventStoreOptions = {}) {
    super();
    // A typed error now, not a TypeError at the first append: `new KurrentEventStore(process.env.UNSET)`.
    if (typeof connection !== 'string' && !isClientLike(connection))
      throw new InvalidConnectionStringError(notAConnection(connection));
    // `undefined` means the default; `null` is a mistake like any other wrong value.
    checkOptions(options, 'KurrentEventStore', KURRENT_EVENT_STORE_OPTIONS);
    this.#readPageSize = options.readPageSize ?? DEFAULT_READ_PAGE_SIZE;
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    if (typeof connection === 'string') {
      const { client, target, secrets } = connect(connection);
      this.client = client;
      this.#target = target;
      this.#secrets = secrets;
      this.#ownsClient = true;
    } else {
      this.client = connection;
      this.#target = SUPPLIED_CLIENT_TARGET;
      this.#secrets = [];
      this.#ownsClient = false;
    }
    this.persistentSubscriptions = new KurrentPersistentSubscriptions({
      client: this.client,
      toRecorded: toRecordedEvent,
      failure: (error, streamName) => this.#failure(error, 'read', streamName),
    });
  }

  /** From `KURRENTDB_CONNECTION_STRING`; throws InvalidConnectionStringError when it is not set. */
  static fromEnvironment(
    env: Readonly<Record<string, string | undefined>> = process.env,
    options: KurrentEventStoreOptions = {},
  ): KurrentEventStore {
    return new KurrentEventStore(connectionStringFromEnvironment(env), options);
  }

  async appendToStream(streamName: string, events: EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? ANY;
    validateExpectedRevision(expected);
    validateEventsToAppend(streamName, events);
    this.#assertOpen('append', streamName);
    if (events.length === 0) return this.#appendNothing(streamName, expected);
    // Missing ids are generated once, before sending. A caller that retries must pass its own ids:
    // the server then recognises the re-sent batch and does not write it twice.
    const prepared = events.map((event) =>
      kurrentClient().jsonEvent({
        id: event.id ?? randomUUID(),
        type: event.type,
        data: event.data as JSONType,
        metadata: event.metadata,
      }),
    );
    let result;
    try {
      // The client's deadline covers the Append call itself; ours also covers the server-features
      // probe before it and BatchAppend replies, which the client waits for without a timer.
      const appending = this.client.appendToStream(streamName, prepared, {
        streamState: expected,
        deadline: this.#deadlineMs,
      });
      result = await withDeadline(appending, this.#deadlineMs);
    } catch (error) {
      throw await this.#appendFailure(error, streamName, expected);
    }
    // `throwOnAppendFailure=false` in the connection string turns conflicts into results.
    if (!result.success)
      throw new ConcurrencyError(streamName, expected, await this.#lastRevision(streamName, 'append'));
    return { nextExpectedRevision: result.nextExpectedRevision };
  }

  /**
   * Several streams in one commit, through the client's `appendRecords` (KurrentDB 26.1+, with
   * consistency checks, every failed stream named) or, on a server without it, `multiStreamAppend`
   * (25.1+: no checks, the first failed stream named). Older servers: MultiStreamAppendUnsupportedError.
   */
  override async appendToStreams(
    requests: StreamAppendRequest[],
    options?: AppendToStreamsOptions,
  ): Promise<AppendToStreamsResult> {
    const checked = validateMultiStreamAppend(requests, options);
    this.#assertOpen('append', checked.requests[0]!.streamName);
    return appendToStreamsOnKurrent(checked, {
      client: this.client,
      deadlineMs: this.#deadlineMs,
      failure: (error, streamName, expected) => this.#failure(error, 'append', streamName, expected),
      lastRevision: (streamName) => this.#lastRevision(streamName, 'append'),
    });
  }

  async *readStream(streamName: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    validateStreamName(streamName);
    validateReadStreamOptions(options);
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    let remaining = Math.ceil(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    let from: ReadRevision = options.fromRevision ?? (forwards ? kurrentClient().START : kurrentClient().END);
    if (typeof from === 'bigint' && from < 0n) {
      if (!forwards) return;
      from = kurrentClient().START;
    }
    this.#assertOpen('read', streamName);
    // One request per page, each from just past the previous page's last event. Events are passed
    // on as they arrive, so at most what the client buffers of one page is in memory.
    while (remaining > 0) {
      const pageSize = Math.min(this.#readPageSize, remaining);
      let read = 0;
      let last: bigint | undefined;
      for await (const event of this.#readPage(streamName, from, forwards, pageSize, 'read')) {
        read++;
        last = event.revision;
        yield toRecordedEvent(event);
      }
      remaining -= read;
      if (read < pageSize || last === undefined || (!forwards && last === 0n)) return;
      from = forwards ? last + 1n : last - 1n;
    }
  }

  /**
   * Pages through `$all` with the filter applied on the server. The server starts a forward read
   * *at* a position; the contract starts after it, so the event at `fromPosition` is skipped.
   */
  async *readAll(options: ReadAllOptions = {}): AsyncIterable<PositionedEvent> {
    validateReadAllOptions(options);
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    let remaining = Math.ceil(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    let from = options.fromPosition;
    this.#assertOpen('read', '$all');
    while (remaining > 0) {
      // One extra, for the event at `from` that a forward page returns first.
      const pageSize = Math.min(this.#readPageSize, remaining) + (forwards && from ? 1 : 0);
      let read = 0;
      let last: PositionedEvent['position'] | undefined;
      try {
        const reading = this.client.readAll({
          fromPosition: from ?? (forwards ? kurrentClient().START : kurrentClient().END),
          direction: forwards ? kurrentClient().FORWARDS : kurrentClient().BACKWARDS,
          maxCount: pageSize,
          filter: kurrentFilter(options.filter),
        });
        // The native bridge ignores deadlines: each wait for the next event is bounded here.
        for await (const resolved of eachWithin(reading, this.#deadlineMs)) {
          read++;
          const event = resolved.event;
          if (!event?.position) continue;
          last = event.position;
          if (from && comparePositions(event.position, from) === 0) continue;
          if (!isDeliverable(event, options.filter)) continue;
          remaining--;
          yield positionedEvent(event, toRecordedEvent);
          if (remaining <= 0) return;
        }
      } catch (error) {
        throw this.#failure(error, 'read', '$all');
      }
      if (read < pageSize || last === undefined) return;
      from = last;
    }
  }

  /** The last record of `$all`, system records included (a checkpoint past it is ahead of the log). */
  override async headPosition(): Promise<PositionedEvent['position'] | undefined> {
    this.#assertOpen('read', '$all');
    try {
      const reading = this.client.readAll({
        fromPosition: kurrentClient().END,
        direction: kurrentClient().BACKWARDS,
        maxCount: 1,
      });
      for await (const resolved of eachWithin(reading, this.#deadlineMs)) {
        const position = resolved.event?.position;
        if (position) return { commit: position.commit, prepare: position.prepare };
      }
      return undefined;
    } catch (error) {
      throw this.#failure(error, 'read', '$all');
    }
  }

  /** A catch-up subscription to `$all` with a server-side filter; see `EventStore.subscribeToAll`. */
  subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterableIterator<PositionedEvent> {
    validateReadAllOptions(options);
    this.#assertOpen('read', '$all');
    return subscribeToAllOnKurrent(
      this.client,
      options,
      (event) => positionedEvent(event, toRecordedEvent),
      (error) => this.#failure(error, 'read', '$all'),
    );
  }

  /**
   * Keeps only the last `maxCount` events of a stream (the server scavenges the rest), through the
   * stream's `$maxCount` metadata. The default checkpoint store uses it for its streams.
   */
  override async setStreamMaxCount(streamName: string, maxCount: number): Promise<void> {
    validateStreamName(streamName);
    if (!Number.isSafeInteger(maxCount) || maxCount < 1) {
      throw new InvalidConfigurationError('maxCount', `it must be a positive integer, got ${String(maxCount)}`);
    }
    this.#assertOpen('append', streamName);
    try {
      await this.client.setStreamMetadata(streamName, { maxCount });
    } catch (error) {
      throw this.#failure(error, 'append', `$$${streamName}`);
    }
  }

  /** Disposes the client if this store created it; a client you passed in stays yours to close. */
  close(): Promise<void> {
    this.#closing ??= this.#ownsClient ? this.client.dispose() : Promise.resolve();
    return this.#closing;
  }

  /**
   * One page of events; nothing when the stream does not exist (never written, or soft-deleted).
   * `operation` is what the caller is doing (an empty append reads the stream's end).
   */
  async *#readPage(
    streamName: string,
    from: ReadRevision,
    forwards: boolean,
    pageSize: number,
    operation: StoreOperation,
  ): AsyncGenerator<KurrentRecordedEvent> {
    try {
      const direction = forwards ? kurrentClient().FORWARDS : kurrentClient().BACKWARDS;
      const reading = this.client.readStream(streamName, {
        fromRevision: from,
        direction,
        maxCount: pageSize,
        deadline: this.#deadlineMs,
      });
      // The native bridge behind readStream ignores `deadline`: each wait for the next event is bounded here.
      for await (const resolved of eachWithin(reading, this.#deadlineMs)) if (resolved.event) yield resolved.event;
    } catch (error) {
      if (isStreamNotFound(error)) return;
      throw this.#failure(error, operation, streamName);
    }
  }

  /** An empty append writes nothing, so the server has nothing to check: decide as the contract does. */
  async #appendNothing(streamName: string, expected: ExpectedRevision): Promise<AppendResult> {
    const current = await this.#lastRevision(streamName, 'append');
    if (!expectedRevisionMatches(expected, current)) throw new ConcurrencyError(streamName, expected, current);
    return { nextExpectedRevision: current === NO_STREAM ? -1n : current };
  }

  /**
   * The server answers STREAM_EXISTS on a soft-deleted stream with "stream deleted". The contract
   * reads a soft-deleted stream as empty, so that is a conflict with NO_STREAM unless it is tombstoned.
   */
  async #appendFailure(error: unknown, streamName: string, expected: ExpectedRevision): Promise<Error> {
    const mapped = this.#failure(error, 'append', streamName, expected);
    if (expected === STREAM_EXISTS && StreamDeletedError.is(mapped)) {
      const current = await this.#lastRevision(streamName, 'append').catch(() => undefined);
      if (current === NO_STREAM) return new ConcurrencyError(streamName, expected, NO_STREAM, { cause: mapped.cause });
    }
    return mapped;
  }

  async #lastRevision(streamName: string, operation: StoreOperation): Promise<bigint | typeof NO_STREAM> {
    for await (const event of this.#readPage(streamName, kurrentClient().END, false, 1, operation))
      return event.revision;
    return NO_STREAM;
  }

  /** The Mneme error for what a client call threw, or for our deadline passing first. */
  #failure(error: unknown, operation: StoreOperation, streamName: string, expected?: ExpectedRevision): MnemeError {
    if (error instanceof DeadlinePassed)
      return new EventStoreTimeoutError(operation, streamName, this.#target, error.deadlineMs);
    return mapKurrentError(error, {
      operation,
      streamName,
      expected,
      target: this.#target,
      secrets: this.#secrets,
      deadlineMs: this.#deadlineMs,
    });
  }

  /** What `util.inspect` and `console.log` show: the client holds the password, so it is left out. */
  [inspect.custom](_depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    const facts = {
      target: this.#target,
      readPageSize: this.#readPageSize,
      deadlineMs: this.#deadlineMs,
      closed: this.#closing !== undefined,
    };
    return `${KurrentEventStore.name} ${show(facts, options)}`;
  }

  #assertOpen(operation: 'append' | 'read', streamName: string): void {
    if (this.#closing) {
      throw new EventStoreError(operation, streamName, 'this KurrentEventStore was closed', {
        message: `Cannot ${operation === 'append' ? 'append to' : 'read'} stream '${streamName}': this KurrentEventStore was closed. Create a new store.`,
      });
    }
  }
}

function toRecordedEvent(event: KurrentRecordedEvent): RecordedEvent {
  return {
    id: event.id,
    streamName: event.streamId,
    revision: event.revision,
    type: event.type,
    data: event.isJson ? event.data : parseBytes(event.data),
    metadata: withoutSchemaProperties(toMetadata(event.metadata), event.type),
    createdAt: event.created,
  };
}

/** Events written by other tools may be binary; JSON bytes still parse, the rest stays bytes. */
function parseBytes(data: unknown): unknown {
  if (!(data instanceof Uint8Array)) return data;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return data;
  }
}

/** Absent (or not a JSON object, written by another tool) reads as `{}`, as in the contract. */
function toMetadata(metadata: unknown): Record<string, unknown> {
  const parsed = parseBytes(metadata);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && !(parsed instanceof Uint8Array)
    ? (parsed as Record<string, unknown>)
    : {};
}

/**
 * A record written through the v2 API (appendToStreams) reads back with the server's `$schema.name`
 * and `$schema.format` added to its metadata; they are the server's, not the writer's, so they go.
 */
function withoutSchemaProperties(metadata: Record<string, unknown>, type: string): Record<string, unknown> {
  if (metadata['$schema.name'] !== type || metadata['$schema.format'] !== 'Json') return metadata;
  const { '$schema.name': _name, '$schema.format': _format, ...written } = metadata;
  return written;
}

function isStreamNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'stream-not-found';
}

/** Duck-typed: a second copy of the client package would fail `instanceof`. */
export function isClientLike(value: unknown): value is KurrentDBClient {
  return typeof value === 'object' && value !== null && typeof (value as KurrentDBClient).appendToStream === 'function';
}

/** Why `connection` is neither a connection string nor a client; names its kind only (it may hold a secret). */
export function notAConnection(connection: unknown): string {
  const kind =
    connection === undefined
      ? 'undefined (an unset environment variable? KurrentEventStore.fromEnvironment() names the one to set)'
      : connection === null
        ? 'null'
        : Array.isArray(connection)
          ? 'an array'
          : typeof connection === 'object'
            ? 'an object that is not a KurrentDBClient (it has no appendToStream method)'
            : `a ${typeof connection}`;
  return `expected a connection string or a KurrentDBClient, got ${kind}`;
}
