import { randomUUID } from 'node:crypto';
import { CommandOutsideWindowError, InvalidAggregateIdError } from '../errors/command-errors.js';
import type { SnapshotLogger } from '../snapshots/snapshot-logger.js';
import { safeLogger } from '../logging/safe-logger.js';
import { EventStore, type EventData, type RecordedEvent } from '../store/event-store.js';
import { MnemeTelemetry, type LoadProbe } from '../telemetry/mneme-telemetry.js';
import { aggregateDefinition, streamNameFor } from '../aggregate/aggregate-definition.js';
import { aggregateInternals, assertAggregateClass, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { StateNotCopyableError } from '../errors/aggregate-errors.js';
import { ConcurrencyError } from '../errors/command-errors.js';
import { deserializeEvent } from '../events/event-serializer.js';
import { AggregateCache, CachedAggregate, type AggregateCacheOption, copyAggregate, resolveAggregateCacheSize } from './aggregate-cache.js';
import { AggregateSnapshots } from '../snapshots/aggregate-snapshots.js';
import { firstEventOf, historyStartOf, noteApplied, sameStart, setHistoryStart, type HistoryStart } from '../aggregate/history-start.js';
import { COMMAND_WINDOW } from '../aggregate/command-window.js';
import { stampEvents, writtenBy } from './command-stamp.js';
import { expectedRevisionAfter, readRecords, replayStream, type ReplayObserver } from '../aggregate/replay.js';

export interface SaveOptions {
  /** Added to every saved event's metadata (correlation ids and the like). */
  metadata?: Record<string, unknown>;
  /**
   * Makes the save idempotent: event `i` gets the id `eventIdFor(commandId, i)`, and every event the
   * metadata `commandId`, `$correlationId` and `$causationId` (written last, over `metadata`).
   */
  commandId?: string;
  /** Defaults to `commandId`. */
  correlationId?: string;
  /** Defaults to `commandId`. */
  causationId?: string;
}

export interface SaveResult {
  /** Revision of the stream's last event after the save. */
  nextExpectedRevision: bigint;
  /** The events written, in order. */
  events: readonly object[];
}

export interface AggregateRepositoryOptions {
  /** Where snapshot problems (which never fail a command) are reported; silent by default. */
  logger?: SnapshotLogger;
  /** `false`: ignore snapshot policies, always replay the whole stream and write no snapshots. */
  snapshots?: boolean;
  /**
   * Commands start from a cached copy of their aggregate and read only the events written since
   * (default: the last `DEFAULT_AGGREGATE_CACHE_SIZE` aggregates used). `false`: every command
   * replays its aggregate. See the README's "Aggregate cache".
   */
  cache?: AggregateCacheOption;
  /** Spans and metrics of loads and appends; default: the global OpenTelemetry providers. */
  telemetry?: MnemeTelemetry;
}

/** Events a command already stored, found while replaying its aggregate. */
export interface StoredCommandEvents {
  readonly events: readonly object[];
  /** Revision of the last of them. */
  readonly lastRevision: bigint;
}

/** Loads aggregates by replaying their streams; saves their pending events with optimistic concurrency. */
export class AggregateRepository {
  readonly #snapshots: AggregateSnapshots | undefined;
  readonly #telemetry: MnemeTelemetry;
  readonly #cache: AggregateCache | undefined;
  /** Aggregate classes whose state cannot be copied faithfully: never cached. */
  readonly #uncopyable = new WeakSet<Function>();

  constructor(
    readonly eventStore: EventStore,
    options: AggregateRepositoryOptions = {},
  ) {
    this.#snapshots = options.snapshots === false ? undefined : new AggregateSnapshots(eventStore, safeLogger(options.logger));
    this.#telemetry = options.telemetry ?? new MnemeTelemetry();
    const maxEntries = resolveAggregateCacheSize(options.cache);
    this.#cache = maxEntries === undefined ? undefined : new AggregateCache(maxEntries);
  }

  /** A fresh aggregate with its stream replayed; a missing stream gives a new aggregate (version -1n). */
  async load<A extends AggregateRoot>(type: new () => A, id: string): Promise<A> {
    return this.#load(type, id, undefined);
  }

  /**
   * Like `load`, and also collects the events of the stream that command `commandId` stored (by
   * their `commandId` metadata), so a re-sent command can be answered without deciding again: those
   * among the last `COMMAND_WINDOW` events of the stream, whatever the path (cache, snapshot, full
   * replay). Throws `CommandOutsideWindowError` when the events read show the command stored
   * earlier than that.
   */
  loadForCommand<A extends AggregateRoot>(
    type: new () => A,
    id: string,
    commandId: string,
  ): Promise<{ aggregate: A; stored: StoredCommandEvents | undefined }> {
    // Not async: each path's own promise is returned as is (no wrapping promise, fewer microtask turns).
    if (this.#cache && !this.#uncopyable.has(type)) return this.#loadCached(this.#cache, type, id, commandId);
    return this.#loadReplaying(type, id, commandId);
  }

  async #loadReplaying<A extends AggregateRoot>(
    type: new () => A,
    id: string,
    commandId: string,
  ): Promise<{ aggregate: A; stored: StoredCommandEvents | undefined }> {
    let found: object[] | undefined;
    let firstRevision = -1n;
    let lastRevision = -1n;
    const aggregate = await this.#load(type, id, (recorded, event) => {
      if (!writtenBy(recorded, commandId)) return;
      if (!found) {
        found = [];
        firstRevision = recorded.revision;
      }
      found.push(event());
      lastRevision = recorded.revision;
    });
    if (!found) return { aggregate, stored: undefined };
    // The same window as the cache's: a command found further back is reported, not answered.
    if (firstRevision <= aggregate.revision - WINDOW) {
      throw new CommandOutsideWindowError(commandId, streamNameFor(aggregateDefinition(type), id), firstRevision, aggregate.revision, COMMAND_WINDOW);
    }
    return { aggregate, stored: { events: found, lastRevision } };
  }

  /**
   * Appends the pending events, expecting the stream to be where it was when the aggregate was
   * loaded (`no_stream` for a new one): a concurrent writer makes this throw `ConcurrencyError`.
   */
  save(aggregate: AggregateRoot, options: SaveOptions = {}): Promise<SaveResult> {
    return this.saveCommand(aggregate, options, options.commandId !== undefined);
  }

  /**
   * `save`, for the command bus. `mayBeStoredAlready`: another send of the same command id may have
   * stored its events at the same revision (the caller chose the id, or an earlier attempt's append
   * may have been applied). The store then answers the append as done (an idempotent re-append of
   * the same event ids) though the events stored may not be the ones decided here: they are read
   * back (one read of the saved events), and what was stored is what is returned and cached.
   * @internal
   */
  async saveCommand(aggregate: AggregateRoot, options: SaveOptions, mayBeStoredAlready: boolean): Promise<SaveResult> {
    assertAggregateClass(typeof aggregate === 'object' && aggregate !== null ? aggregate.constructor : aggregate);
    const pending = aggregateInternals.pendingData(aggregate);
    const events = [...aggregate.pendingEvents];
    if (pending.length === 0) return { nextExpectedRevision: aggregate.revision, events };
    const streamName = streamNameFor(aggregateDefinition(aggregate.constructor), aggregate.id);
    const data = toAppend(pending, options);
    // Decided (and the state checked) before anything is written; written only after the append.
    const snapshot = this.#snapshots?.prepare(aggregate, aggregate.revision + BigInt(data.length), data.at(-1)?.id);
    const expectedRevision = expectedRevisionAfter(aggregate.revision);
    const { nextExpectedRevision } = await this.#telemetry.append(aggregate.constructor.name, streamName, data.length, expectedRevision, () =>
      this.#append(streamName, data, aggregate.revision),
    );
    const loadedAt = aggregate.revision;
    // Right after `loadedAt`, or (a stream that read as empty after a soft delete or a truncation)
    // after its hidden events: revisions go on where they were.
    const firstRevision = nextExpectedRevision - BigInt(data.length) + 1n;
    const follows = firstRevision > loadedAt;
    let stored: readonly RecordedEvent[] | undefined;
    if (mayBeStoredAlready && options.commandId !== undefined && follows) {
      stored = await this.#readBack(streamName, firstRevision, data);
      if (!stored) return this.#storedButGone(aggregate, streamName, nextExpectedRevision);
    }
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    const cached = follows ? this.#advanceCache(aggregate, streamName, loadedAt, stored ?? recordsOf(data, streamName, firstRevision)) : undefined;
    // The snapshot's state is what the appliers made of the stored events, never the handler's copy.
    if (snapshot && follows) await this.#snapshots!.write(snapshot, nextExpectedRevision, () => cached ?? this.#load(aggregate.constructor as new () => AggregateRoot, aggregate.id, undefined));
    return { nextExpectedRevision, events: stored ? stored.map((recorded) => deserializeEvent(recorded)) : events };
  }

  /**
   * After a multi-stream append (`saveDecision`) wrote `aggregate`'s events: marks it saved and gives
   * the cache entry it was copied from the stored events, as `saveCommand` does after its own append.
   * `stored` undefined: the store took the append as a re-send of events the stream no longer shows.
   * @internal
   */
  settleSaved(aggregate: AggregateRoot, streamName: string, loadedAt: bigint, nextExpectedRevision: bigint, stored: readonly RecordedEvent[] | undefined): void {
    if (!stored) {
      this.#storedButGone(aggregate, streamName, nextExpectedRevision);
      return;
    }
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    if (stored.length > 0 && stored[0]!.revision > loadedAt) this.#advanceCache(aggregate, streamName, loadedAt, stored);
    else aggregateInternals.setOrigin(aggregate, undefined);
  }

  /**
   * Appends at the revision read. A stream that read as empty may still hold hidden events (all of
   * them truncated by `$tb`, or scavenged): the store then refuses `no_stream`, naming its last
   * revision. If a read still shows nothing, the stream is empty as far as the aggregate can tell,
   * and the append is made after that revision (a writer appending meanwhile still conflicts).
   */
  #append(streamName: string, data: EventData[], loadedAt: bigint): Promise<{ nextExpectedRevision: bigint }> {
    // Not async: the usual append is the store's own promise (no extra promise layer per command).
    const appending = this.eventStore.appendToStream(streamName, data, { expectedRevision: expectedRevisionAfter(loadedAt) });
    return loadedAt < 0n ? appending.catch((error: unknown) => this.#appendAfterHidden(streamName, data, error)) : appending;
  }

  async #appendAfterHidden(streamName: string, data: EventData[], error: unknown): Promise<{ nextExpectedRevision: bigint }> {
    if (!(ConcurrencyError.is(error) && typeof error.actual === 'bigint' && error.actual >= 0n)) throw error;
    const hiddenUpTo = error.actual;
    let readsEmpty = true;
    await readRecords(this.eventStore, streamName, () => (readsEmpty = false), { maxCount: 1 });
    if (!readsEmpty) throw error;
    try {
      return await this.eventStore.appendToStream(streamName, data, { expectedRevision: hiddenUpTo });
    } catch (again) {
      throw ConcurrencyError.is(again) ? error : again; // another writer got there first: the conflict as the load saw it
    }
  }

  /**
   * The store took the append as a re-append of events it holds, but the stream does not show them
   * (they were stored before, then deleted or truncated): the command is done, with no events to
   * show. Nothing is cached or snapshotted from it.
   */
  #storedButGone(aggregate: AggregateRoot, streamName: string, nextExpectedRevision: bigint): SaveResult {
    const entry = aggregateInternals.origin(aggregate);
    aggregateInternals.setOrigin(aggregate, undefined);
    if (entry instanceof CachedAggregate) this.#cache?.delete(streamName, entry);
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    return { nextExpectedRevision, events: [] };
  }

  /** The events stored from `firstRevision`, if they carry the ids just appended (otherwise undefined: the stream does not show them). */
  async #readBack(streamName: string, firstRevision: bigint, data: readonly EventData[]): Promise<RecordedEvent[] | undefined> {
    const records: RecordedEvent[] = [];
    await readRecords(this.eventStore, streamName, (recorded) => void records.push(recorded), { fromRevision: firstRevision, maxCount: data.length });
    if (records.length !== data.length) return undefined;
    for (let i = 0; i < records.length; i++) {
      if (records[i]!.id !== data[i]!.id || records[i]!.revision !== firstRevision + BigInt(i)) return undefined;
    }
    return records;
  }

  /**
   * A command's aggregate from the cache: the cached state caught up with the events written since
   * it was cached (only those are read; a conflict retried lands here too, so it reads only what the
   * other writer added), and a copy of it handed out, so the cache never holds what a handler did
   * until it is saved. A re-sent command is recognised among the events the entry remembers.
   */
  async #loadCached<A extends AggregateRoot>(
    cache: AggregateCache,
    type: new () => A,
    id: string,
    commandId: string,
  ): Promise<{ aggregate: A; stored: StoredCommandEvents | undefined }> {
    assertAggregateClass(type);
    const problem = InvalidAggregateIdError.check(id);
    if (problem) throw new InvalidAggregateIdError(problem, { value: id });
    const streamName = streamNameFor(aggregateDefinition(type), id);
    let entry = cache.get(streamName);
    if (entry?.type !== type) entry = undefined;
    /** The first event of command `commandId` a fresh load read (to report a re-send outside the window). */
    let firstSeen: bigint | undefined;
    try {
      if (entry) {
        try {
          const cached = entry;
          await this.#telemetry.load(type.name, streamName, (probe) => this.#catchUp(cached, streamName, probe));
        } catch (error) {
          if (!(error instanceof StaleCacheError)) throw error;
          cache.delete(streamName, entry);
          entry = undefined;
        }
      }
      if (!entry) {
        const loading = new CachedAggregate(type, COMMAND_WINDOW);
        loading.aggregate = await this.#load(type, id, (recorded) => {
          if (firstSeen === undefined && writtenBy(recorded, commandId)) firstSeen = recorded.revision;
          loading.remember(recorded);
        });
        entry = loading;
        const current = cache.peek(streamName);
        if (!current || current.type !== type || current.aggregate.revision < loading.aggregate.revision) cache.set(streamName, loading);
      }
    } catch (error) {
      // Never keep an entry a failed read or applier may have left half caught up.
      if (entry) cache.delete(streamName, entry);
      throw error;
    }
    const written = entry.writtenBy(commandId);
    if (!written && (firstSeen !== undefined || entry.forgot(commandId))) {
      throw new CommandOutsideWindowError(commandId, streamName, firstSeen, entry.aggregate.revision, COMMAND_WINDOW);
    }
    const stored = written && { events: written.map((recorded) => deserializeEvent(recorded)), lastRevision: written.at(-1)!.revision };
    let copy: A;
    try {
      copy = copyAggregate(entry.aggregate as A);
    } catch (error) {
      if (!StateNotCopyableError.is(error)) throw error;
      // Such state is never cached: this command and later ones replay (the entry's instance may
      // already be in another command's hands, so it is not handed out).
      this.#uncopyable.add(type);
      cache.delete(streamName, entry);
      return this.loadForCommand(type, id, commandId);
    }
    this.#snapshots?.inherit(entry.aggregate, copy);
    // Copies handed to commands know their entry (to advance it after a save).
    aggregateInternals.setOrigin(copy, entry);
    return { aggregate: copy, stored };
  }

  /**
   * Applies to the cached aggregate the events after its revision (each once, however many catch up
   * at once). On a store whose streams can be deleted or truncated, the read starts at the cached
   * revision itself: that event must still be there, with the id the entry applied, or the stream
   * was deleted, truncated past it or recreated since (one event more per read, not another read);
   * and the stream must still begin where the cached history begins (one event, read in parallel),
   * or it was truncated below it. Either way the entry is dropped (`StaleCacheError`) and the
   * command replays what the stream now reads as. An `appendOnly` store needs neither check.
   */
  #catchUp(entry: CachedAggregate, streamName: string, probe: LoadProbe): Promise<bigint> {
    probe.fromCache = true;
    const at = entry.aggregate.revision;
    const apply = (recorded: RecordedEvent) => {
      const { aggregate } = entry;
      probe.eventsRead++;
      if (recorded.revision <= aggregate.revision) return; // applied by another catch-up, or saved from here
      if (recorded.revision !== aggregate.revision + 1n) {
        throw new StaleCacheError(`stream '${streamName}' continues at revision ${recorded.revision} after ${aggregate.revision}`);
      }
      const first = aggregate.revision < 0n;
      aggregateInternals.replayed(aggregate, deserializeEvent(recorded), recorded.revision);
      if (first) noteApplied(aggregate, recorded); // its history begins here
      entry.remember(recorded);
    };
    // Not async on the usual path: the read's own promise, as before the checks existed.
    if (this.eventStore.appendOnly === true || at < 0n) return readRecords(this.eventStore, streamName, apply, { fromRevision: at + 1n });
    return this.#checkedCatchUp(entry, streamName, at, apply, probe);
  }

  async #checkedCatchUp(entry: CachedAggregate, streamName: string, at: bigint, apply: (recorded: RecordedEvent) => void, probe: LoadProbe): Promise<bigint> {
    const expectedId = entry.lastEventId;
    const start = historyStartOf(entry.aggregate);
    const firstNow = start ? firstEventOf(this.eventStore, streamName) : undefined;
    firstNow?.catch(() => undefined); // awaited below; a failure there is the read's
    let checked = false;
    await readRecords(
      this.eventStore,
      streamName,
      (recorded) => {
        if (checked) return apply(recorded);
        probe.eventsRead++;
        if (recorded.revision !== at || recorded.id !== expectedId) {
          throw new StaleCacheError(`stream '${streamName}' no longer holds the cached event at revision ${at}`);
        }
        checked = true;
      },
      { fromRevision: at },
    );
    if (!checked) throw new StaleCacheError(`stream '${streamName}' no longer holds the cached event at revision ${at}`);
    if (start && firstNow && !sameStart(start, await firstNow)) throw new StaleCacheError(`stream '${streamName}' no longer begins at revision ${start.revision}`);
    return entry.aggregate.revision;
  }

  /**
   * After a save of a copy the cache handed out: the cached state takes the saved events, applied
   * as replay applies them (not the handler's copy, which may hold changes made outside appliers),
   * so the cache always equals a full replay.
   */
  #advanceCache(aggregate: AggregateRoot, streamName: string, loadedAt: bigint, saved: readonly RecordedEvent[]): AggregateRoot | undefined {
    const entry = aggregateInternals.origin(aggregate);
    if (!(entry instanceof CachedAggregate)) return undefined;
    aggregateInternals.setOrigin(aggregate, undefined);
    if (this.#cache!.peek(streamName) !== entry) return undefined;
    if (entry.aggregate.revision !== loadedAt) return undefined; // another command's catch-up already read these events
    try {
      const first = loadedAt < 0n; // its history begins with these events
      for (const recorded of saved) {
        aggregateInternals.replayed(entry.aggregate, deserializeEvent(recorded), recorded.revision);
        entry.remember(recorded);
      }
      if (first) noteApplied(entry.aggregate, saved[0]!);
    } catch {
      this.#cache!.delete(streamName, entry); // the next command replays from the store
      return undefined;
    }
    this.#snapshots?.inherit(aggregate, entry.aggregate);
    return entry.aggregate;
  }

  /** Not async (its callers are, so its throws still reject): one promise fewer per load. */
  #load<A extends AggregateRoot>(type: new () => A, id: string, observe: ReplayObserver | undefined): Promise<A> {
    assertAggregateClass(type);
    const problem = InvalidAggregateIdError.check(id);
    if (problem) throw new InvalidAggregateIdError(problem, { value: id });
    const streamName = streamNameFor(aggregateDefinition(type), id);
    return this.#telemetry.load(type.name, streamName, (probe) => this.#replay(type, id, streamName, observe, probe));
  }

  async #replay<A extends AggregateRoot>(type: new () => A, id: string, streamName: string, observe: ReplayObserver | undefined, probe: LoadProbe): Promise<A> {
    // With a snapshot policy: the latest snapshot and the events after it, if there is a usable one.
    const fromSnapshot = await this.#snapshots?.load(type, id, streamName, observe, probe);
    if (fromSnapshot) return fromSnapshot;
    const aggregate = new type();
    aggregateInternals.initialize(aggregate, id);
    let start: HistoryStart | null = null;
    await replayStream(this.eventStore, streamName, (event, recorded) => {
      probe.eventsRead++;
      start ??= { revision: recorded.revision, id: recorded.id };
      aggregateInternals.replayed(aggregate, event, recorded.revision);
      observe?.(recorded, () => event);
    });
    setHistoryStart(aggregate, start);
    return aggregate;
  }
}

/** The cache's view of a stream no longer matches the stream (a gap in revisions): it is dropped and the command reloads. */
class StaleCacheError extends Error {}

/** The records an append of `data` from `firstRevision` stored (their `createdAt` is the store's business: now). */
function recordsOf(data: readonly EventData[], streamName: string, firstRevision: bigint): RecordedEvent[] {
  const createdAt = new Date();
  const records = new Array<RecordedEvent>(data.length);
  let revision = firstRevision - 1n;
  for (let i = 0; i < data.length; i++) {
    const event = data[i]!;
    revision += 1n;
    records[i] = { id: event.id!, streamName, revision, type: event.type, data: event.data, metadata: event.metadata ?? {}, createdAt };
  }
  return records;
}

/** `COMMAND_WINDOW` as a bigint. */
const WINDOW = BigInt(COMMAND_WINDOW);

function toAppend(pending: readonly EventData[], options: SaveOptions): EventData[] {
  const { metadata, commandId } = options;
  if (commandId !== undefined) {
    return stampEvents(pending, {
      commandId,
      correlationId: options.correlationId ?? commandId,
      causationId: options.causationId ?? commandId,
      metadata: metadata ?? {},
    });
  }
  // Random ids, given once: a save retried with the same pending events re-sends the same ids (idempotent).
  for (const event of pending) event.id ??= randomUUID();
  return metadata ? pending.map((event) => ({ ...event, metadata: { ...metadata, ...event.metadata } })) : [...pending];
}
