import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  jsonEvent,
  type JSONType,
  type KurrentDBClient,
  type ReadRevision,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError } from '../errors/concurrency-error.js';
import { EventStoreError } from '../errors/store-errors.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import {
  EventStore,
  type AppendOptions,
  type AppendResult,
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
import { validateEventsToAppend, validateExpectedRevision, validateStreamName } from '../store/event-validation.js';
import { ANY, NO_STREAM, STREAM_EXISTS, expectedRevisionMatches, type ExpectedRevision } from '../store/expected-revision.js';
import { connect, connectionStringFromEnvironment } from './connection-settings.js';
import { mapKurrentError } from './error-mapping.js';

export interface KurrentEventStoreOptions {
  /** Events asked for per read request (default 4096); events are passed on as they arrive. */
  readPageSize?: number;
}

/** Large enough that the per-request latency (~25 ms through the client's bridge) is amortised. */
export const DEFAULT_READ_PAGE_SIZE = 4096;

/** Where a client we were handed lives: we cannot see its connection string. */
const SUPPLIED_CLIENT_TARGET = 'the server of the KurrentDBClient given to KurrentEventStore';

/**
 * The EventStore on KurrentDB, through `@kurrent/kurrentdb-client`. Same contract as
 * InMemoryEventStore; client errors become Mneme errors (see error-mapping.ts).
 */
export class KurrentEventStore extends EventStore {
  /** The underlying client, for what the EventStore contract does not cover (subscriptions, deletes). */
  readonly client: KurrentDBClient;
  readonly #ownsClient: boolean;
  readonly #target: string;
  readonly #secrets: readonly string[];
  readonly #readPageSize: number;
  #closing?: Promise<void>;

  /** From a connection string (the store owns and closes the client) or an existing client (you close it). */
  constructor(connection: string | KurrentDBClient, options: KurrentEventStoreOptions = {}) {
    super();
    this.#readPageSize = checkPageSize(options.readPageSize ?? DEFAULT_READ_PAGE_SIZE);
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
  }

  /** From `KURRENTDB_CONNECTION_STRING`; throws InvalidConnectionStringError when it is not set. */
  static fromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env, options: KurrentEventStoreOptions = {}): KurrentEventStore {
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
      jsonEvent({ id: event.id ?? randomUUID(), type: event.type, data: event.data as JSONType, metadata: event.metadata }),
    );
    let result;
    try {
      result = await this.client.appendToStream(streamName, prepared, { streamState: expected });
    } catch (error) {
      throw await this.#appendFailure(error, streamName, expected);
    }
    // `throwOnAppendFailure=false` in the connection string turns conflicts into results.
    if (!result.success) throw new ConcurrencyError(streamName, expected, await this.#lastRevision(streamName));
    return { nextExpectedRevision: result.nextExpectedRevision };
  }

  async *readStream(streamName: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    validateStreamName(streamName);
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    let remaining = Math.ceil(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    let from: ReadRevision = options.fromRevision ?? (forwards ? START : END);
    if (typeof from === 'bigint' && from < 0n) {
      if (!forwards) return;
      from = START;
    }
    this.#assertOpen('read', streamName);
    // One request per page, each from just past the previous page's last event. Events are passed
    // on as they arrive, so at most what the client buffers of one page is in memory.
    while (remaining > 0) {
      const pageSize = Math.min(this.#readPageSize, remaining);
      let read = 0;
      let last: bigint | undefined;
      for await (const event of this.#readPage(streamName, from, forwards, pageSize)) {
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
          fromPosition: from ?? (forwards ? START : END),
          direction: forwards ? FORWARDS : BACKWARDS,
          maxCount: pageSize,
          filter: kurrentFilter(options.filter),
        });
        for await (const resolved of reading) {
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
        throw mapKurrentError(error, this.#context('read', '$all'));
      }
      if (read < pageSize || last === undefined) return;
      from = last;
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
      (error) => mapKurrentError(error, this.#context('read', '$all')),
    );
  }

  /**
   * Keeps only the last `maxCount` events of a stream (the server scavenges the rest), through the
   * stream's `$maxCount` metadata. The default checkpoint store uses it for its streams.
   */
  async setStreamMaxCount(streamName: string, maxCount: number): Promise<void> {
    validateStreamName(streamName);
    if (!Number.isSafeInteger(maxCount) || maxCount < 1) {
      throw new InvalidConfigurationError('maxCount', `it must be a positive integer, got ${String(maxCount)}`);
    }
    this.#assertOpen('append', streamName);
    try {
      await this.client.setStreamMetadata(streamName, { maxCount });
    } catch (error) {
      throw mapKurrentError(error, this.#context('append', streamName));
    }
  }

  /** Disposes the client if this store created it; a client you passed in stays yours to close. */
  close(): Promise<void> {
    this.#closing ??= this.#ownsClient ? this.client.dispose() : Promise.resolve();
    return this.#closing;
  }

  dispose(): Promise<void> {
    return this.close();
  }

  /** One page of events; nothing when the stream does not exist (never written, or soft-deleted). */
  async *#readPage(streamName: string, from: ReadRevision, forwards: boolean, pageSize: number): AsyncGenerator<KurrentRecordedEvent> {
    try {
      const reading = this.client.readStream(streamName, { fromRevision: from, direction: forwards ? FORWARDS : BACKWARDS, maxCount: pageSize });
      for await (const resolved of reading) if (resolved.event) yield resolved.event;
    } catch (error) {
      if (isStreamNotFound(error)) return;
      throw mapKurrentError(error, this.#context('read', streamName));
    }
  }

  /** An empty append writes nothing, so the server has nothing to check: decide as the contract does. */
  async #appendNothing(streamName: string, expected: ExpectedRevision): Promise<AppendResult> {
    const current = await this.#lastRevision(streamName);
    if (!expectedRevisionMatches(expected, current)) throw new ConcurrencyError(streamName, expected, current);
    return { nextExpectedRevision: current === NO_STREAM ? -1n : current };
  }

  /**
   * The server answers STREAM_EXISTS on a soft-deleted stream with "stream deleted". The contract
   * reads a soft-deleted stream as empty, so that is a conflict with NO_STREAM unless it is tombstoned.
   */
  async #appendFailure(error: unknown, streamName: string, expected: ExpectedRevision): Promise<Error> {
    const mapped = mapKurrentError(error, this.#context('append', streamName, expected));
    if (expected === STREAM_EXISTS && mapped.code === 'MNEME_STREAM_DELETED') {
      const current = await this.#lastRevision(streamName).catch(() => undefined);
      if (current === NO_STREAM) return new ConcurrencyError(streamName, expected, NO_STREAM, { cause: error });
    }
    return mapped;
  }

  async #lastRevision(streamName: string): Promise<bigint | typeof NO_STREAM> {
    for await (const event of this.#readPage(streamName, END, false, 1)) return event.revision;
    return NO_STREAM;
  }

  #context(operation: 'append' | 'read', streamName: string, expected?: ExpectedRevision) {
    return { operation, streamName, expected, target: this.#target, secrets: this.#secrets };
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
    metadata: toMetadata(event.metadata),
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

function isStreamNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'stream-not-found';
}

function checkPageSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new InvalidConfigurationError('readPageSize', `it must be a positive integer, got ${String(size)}`);
  }
  return size;
}
