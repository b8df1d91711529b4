import { deserializeEvent } from '../events/event-serializer.js';
import type { EventStore, RecordedEvent } from '../store/event-store.js';
import type { LoadProbe } from '../telemetry/mneme-telemetry.js';
import { aggregateInternals } from '../aggregate/aggregate-root.js';
import { firstEventOf, historyStartOf, noteApplied, sameStart } from '../aggregate/history-start.js';
import { readRecords } from '../aggregate/replay.js';
import type { CachedAggregate } from './aggregate-cache.js';

/** The cache's view of a stream no longer matches the stream (a gap in revisions): it is dropped and the command reloads. */
export class StaleCacheError extends Error {}

/**
 * Applies to the cached aggregate the events after its revision (each once, however many catch up
 * at once). On a store whose streams can be deleted or truncated, the read starts at the cached
 * revision itself: that event must still be there, with the id the entry applied, or the stream
 * was deleted, truncated past it or recreated since (one event more per read, not another read);
 * and the stream must still begin where the cached history begins (one event, read in parallel),
 * or it was truncated below it. Either way the entry is dropped (`StaleCacheError`) and the
 * command replays what the stream now reads as. An `appendOnly` store needs neither check.
 */
export function catchUp(
  store: EventStore,
  entry: CachedAggregate,
  streamName: string,
  probe: LoadProbe,
): Promise<bigint> {
  probe.fromCache = true;
  const at = entry.aggregate.revision;
  const apply = (recorded: RecordedEvent) => {
    const { aggregate } = entry;
    probe.eventsRead++;
    if (recorded.revision <= aggregate.revision) return; // applied by another catch-up, or saved from here
    if (recorded.revision !== aggregate.revision + 1n) {
      throw new StaleCacheError(
        `stream '${streamName}' continues at revision ${recorded.revision} after ${aggregate.revision}`,
      );
    }
    const first = aggregate.revision < 0n;
    aggregateInternals.replayed(aggregate, deserializeEvent(recorded), recorded.revision);
    if (first) noteApplied(aggregate, recorded); // its history begins here
    entry.remember(recorded);
  };
  // Not async on the usual path: the read's own promise, as before the checks existed.
  if (store.appendOnly === true || at < 0n) return readRecords(store, streamName, apply, { fromRevision: at + 1n });
  return checkedCatchUp(store, entry, streamName, at, apply, probe);
}

async function checkedCatchUp(
  store: EventStore,
  entry: CachedAggregate,
  streamName: string,
  at: bigint,
  apply: (recorded: RecordedEvent) => void,
  probe: LoadProbe,
): Promise<bigint> {
  const expectedId = entry.lastEventId;
  const start = historyStartOf(entry.aggregate);
  const firstNow = start ? firstEventOf(store, streamName) : undefined;
  firstNow?.catch(() => undefined); // awaited below; a failure there is the read's
  let checked = false;
  await readRecords(
    store,
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
  if (start && firstNow && !sameStart(start, await firstNow)) {
    throw new StaleCacheError(`stream '${streamName}' no longer begins at revision ${start.revision}`);
  }
  return entry.aggregate.revision;
}
