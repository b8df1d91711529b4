import { deserializeEvent } from '../events/event-serializer.js';
import type { RecordedEvent } from '../store/event-store.js';
import { aggregateDefinition, streamNameFor } from '../aggregate/aggregate-definition.js';
import { aggregateInternals, assertAggregateClass, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { expectedRevisionAfter } from '../aggregate/replay.js';
import type { AggregateCache } from './aggregate-cache.js';
import type { AggregateLoader } from './aggregate-loader.js';
import { appendAfterRead, readBackAppended } from './command-append.js';
import { recordsOf } from './appended-records.js';
import { advanceCache, dropCacheEntry } from './cache-after-save.js';
import { eventsToAppend, type SaveOptions, type SaveResult } from './save-options.js';

/**
 * Saves an aggregate's pending events: stamped, appended inside the `mneme.append` span at the
 * revision it was loaded at, then its cache entry advanced and its snapshot (if due) written.
 */
export class AggregateSaver {
  readonly #loader: AggregateLoader;
  readonly #cache: AggregateCache | undefined;

  constructor(loader: AggregateLoader, cache: AggregateCache | undefined) {
    this.#loader = loader;
    this.#cache = cache;
  }

  /** `mayBeStoredAlready`: see `AggregateRepository.saveCommand`. */
  async save(aggregate: AggregateRoot, options: SaveOptions, mayBeStoredAlready: boolean): Promise<SaveResult> {
    const { eventStore, telemetry, snapshots } = this.#loader;
    assertAggregateClass(typeof aggregate === 'object' && aggregate !== null ? aggregate.constructor : aggregate);
    const pending = aggregateInternals.pendingData(aggregate);
    const events = aggregateInternals.pendingEventsCopy(aggregate);
    if (pending.length === 0) return { nextExpectedRevision: aggregate.revision, events };
    const streamName = streamNameFor(aggregateDefinition(aggregate.constructor), aggregate.id);
    const data = eventsToAppend(pending, options);
    // Decided (and the state checked) before anything is written; written only after the append.
    const snapshot = snapshots?.prepare(aggregate, aggregate.revision + BigInt(data.length), data.at(-1)?.id);
    const expectedRevision = expectedRevisionAfter(aggregate.revision);
    const { nextExpectedRevision } = await telemetry.append(
      aggregate.constructor.name,
      streamName,
      data.length,
      expectedRevision,
      () => appendAfterRead(eventStore, streamName, data, aggregate.revision),
    );
    const loadedAt = aggregate.revision;
    // Right after `loadedAt`, or (a stream that read as empty after a soft delete or a truncation)
    // after its hidden events: revisions go on where they were.
    const firstRevision = nextExpectedRevision - BigInt(data.length) + 1n;
    const follows = firstRevision > loadedAt;
    let stored: readonly RecordedEvent[] | undefined;
    if (mayBeStoredAlready && options.commandId !== undefined && follows) {
      stored = await readBackAppended(eventStore, streamName, firstRevision, data);
      if (!stored) return this.#storedButGone(aggregate, streamName, nextExpectedRevision);
    }
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    const saved = follows ? (stored ?? recordsOf(data, streamName, firstRevision)) : undefined;
    const cached = saved && advanceCache(this.#cache, snapshots, aggregate, streamName, loadedAt, saved);
    // The snapshot's state is what the appliers made of the stored events, never the handler's copy.
    if (snapshot && follows)
      await snapshots!.write(snapshot, nextExpectedRevision, () => cached ?? this.#loadPure(aggregate));
    return { nextExpectedRevision, events: stored ? stored.map((recorded) => deserializeEvent(recorded)) : events };
  }

  /**
   * After a multi-stream append wrote `aggregate`'s events (`stored`, as read back): marks it saved
   * and advances the cache entry it was copied from, as `save` does after its own append.
   * `stored` undefined: the store took the append as a re-send of events the stream no longer shows.
   */
  settle(
    aggregate: AggregateRoot,
    streamName: string,
    loadedAt: bigint,
    nextExpectedRevision: bigint,
    stored: readonly RecordedEvent[] | undefined,
  ): void {
    if (!stored) {
      this.#storedButGone(aggregate, streamName, nextExpectedRevision);
      return;
    }
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    if (stored.length > 0 && stored[0]!.revision > loadedAt)
      advanceCache(this.#cache, this.#loader.snapshots, aggregate, streamName, loadedAt, stored);
    else aggregateInternals.setOrigin(aggregate, undefined);
  }

  /** The saved aggregate as the appliers make it of the stored events: a fresh load. */
  #loadPure(aggregate: AggregateRoot): Promise<AggregateRoot> {
    return this.#loader.load(aggregate.constructor as new () => AggregateRoot, aggregate.id, undefined);
  }

  /**
   * The store took the append as a re-append of events it holds, but the stream does not show them
   * (they were stored before, then deleted or truncated): the command is done, with no events to
   * show. Nothing is cached or snapshotted from it.
   */
  #storedButGone(aggregate: AggregateRoot, streamName: string, nextExpectedRevision: bigint): SaveResult {
    dropCacheEntry(this.#cache, aggregate, streamName);
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    return { nextExpectedRevision, events: [] };
  }
}
