import type { SnapshotLogger } from '../snapshots/snapshot-logger.js';
import { safeLogger } from '../logging/safe-logger.js';
import { EventStore, type RecordedEvent } from '../store/event-store.js';
import { MnemeTelemetry } from '../telemetry/mneme-telemetry.js';
import type { AggregateRoot } from '../aggregate/aggregate-root.js';
import { AggregateSnapshots } from '../snapshots/aggregate-snapshots.js';
import { AggregateCache, type AggregateCacheOption, resolveAggregateCacheSize } from './aggregate-cache.js';
import { AggregateLoader } from './aggregate-loader.js';
import { AggregateSaver } from './aggregate-saver.js';
import { CachedLoad } from './cached-load.js';
import { loadReplaying } from './replaying-load.js';
import type { SaveOptions, SaveResult } from './save-options.js';
import type { StoredCommandEvents } from './stored-command-events.js';

export type { SaveOptions, SaveResult } from './save-options.js';
export type { StoredCommandEvents } from './stored-command-events.js';

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

/** Loads aggregates by replaying their streams; saves their pending events with optimistic concurrency. */
export class AggregateRepository {
  readonly #loader: AggregateLoader;
  /** Undefined without the aggregate cache. */
  readonly #cached: CachedLoad | undefined;
  readonly #saver: AggregateSaver;

  constructor(
    readonly eventStore: EventStore,
    options: AggregateRepositoryOptions = {},
  ) {
    const snapshots =
      options.snapshots === false ? undefined : new AggregateSnapshots(eventStore, safeLogger(options.logger));
    this.#loader = new AggregateLoader(eventStore, options.telemetry ?? new MnemeTelemetry(), snapshots);
    const maxEntries = resolveAggregateCacheSize(options.cache);
    const cache = maxEntries === undefined ? undefined : new AggregateCache(maxEntries);
    this.#cached = cache && new CachedLoad(cache, this.#loader);
    this.#saver = new AggregateSaver(this.#loader, cache);
  }

  /** A fresh aggregate with its stream replayed; a missing stream gives a new aggregate (version -1n). */
  async load<A extends AggregateRoot>(type: new () => A, id: string): Promise<A> {
    return this.#loader.load(type, id, undefined);
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
    if (this.#cached?.copies(type)) return this.#cached.load(type, id, commandId);
    return loadReplaying(this.#loader, type, id, commandId);
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
  saveCommand(aggregate: AggregateRoot, options: SaveOptions, mayBeStoredAlready: boolean): Promise<SaveResult> {
    return this.#saver.save(aggregate, options, mayBeStoredAlready);
  }

  /**
   * After a multi-stream append (`saveDecision`) wrote `aggregate`'s events: marks it saved and gives
   * the cache entry it was copied from the stored events, as `saveCommand` does after its own append.
   * `stored` undefined: the store took the append as a re-send of events the stream no longer shows.
   * @internal
   */
  settleSaved(
    aggregate: AggregateRoot,
    streamName: string,
    loadedAt: bigint,
    nextExpectedRevision: bigint,
    stored: readonly RecordedEvent[] | undefined,
  ): void {
    this.#saver.settle(aggregate, streamName, loadedAt, nextExpectedRevision, stored);
  }
}
