import { deserializeEvent } from '../events/event-serializer.js';
import type { RecordedEvent } from '../store/event-store.js';
import { aggregateInternals, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { noteApplied } from '../aggregate/history-start.js';
import type { AggregateSnapshots } from '../snapshots/aggregate-snapshots.js';
import { CachedAggregate, type AggregateCache } from './aggregate-cache.js';

/**
 * After a save of a copy the cache handed out: the cached state takes the saved events, applied
 * as replay applies them (not the handler's copy, which may hold changes made outside appliers),
 * so the cache always equals a full replay. Gives the entry's aggregate, or undefined when the
 * saved copy has no entry (or no longer the current one, or one behind the save).
 */
export function advanceCache(
  cache: AggregateCache | undefined,
  snapshots: AggregateSnapshots | undefined,
  aggregate: AggregateRoot,
  streamName: string,
  loadedAt: bigint,
  saved: readonly RecordedEvent[],
): AggregateRoot | undefined {
  const entry = aggregateInternals.origin(aggregate);
  if (!(entry instanceof CachedAggregate)) return undefined;
  aggregateInternals.setOrigin(aggregate, undefined);
  if (cache?.peek(streamName) !== entry) return undefined; // loaded through another repository's cache
  if (entry.aggregate.revision !== loadedAt) return undefined; // another command's catch-up already read these events
  try {
    const first = loadedAt < 0n; // its history begins with these events
    for (const recorded of saved) {
      aggregateInternals.replayed(entry.aggregate, deserializeEvent(recorded), recorded.revision);
      entry.remember(recorded);
    }
    if (first) noteApplied(entry.aggregate, saved[0]!);
  } catch {
    cache?.delete(streamName, entry); // the next command replays from the store
    return undefined;
  }
  snapshots?.inherit(aggregate, entry.aggregate);
  return entry.aggregate;
}

/** After a save whose events the stream does not show: the saved copy's entry is dropped, not advanced. */
export function dropCacheEntry(cache: AggregateCache | undefined, aggregate: AggregateRoot, streamName: string): void {
  const entry = aggregateInternals.origin(aggregate);
  aggregateInternals.setOrigin(aggregate, undefined);
  if (entry instanceof CachedAggregate) cache?.delete(streamName, entry);
}
