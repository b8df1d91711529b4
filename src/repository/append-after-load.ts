import { ConcurrencyError } from '../errors/command-errors.js';
import type { EventData, EventStore } from '../store/event-store.js';
import { expectedRevisionAfter, readRecords } from '../aggregate/replay.js';

/**
 * Appends at the revision read. A stream that read as empty may still hold hidden events (all of
 * them truncated by `$tb`, or scavenged): the store then refuses `no_stream`, naming its last
 * revision. If a read still shows nothing, the stream is empty as far as the aggregate can tell,
 * and the append is made after that revision (a writer appending meanwhile still conflicts).
 */
export function appendAfterLoad(
  store: EventStore,
  streamName: string,
  data: EventData[],
  loadedAt: bigint,
): Promise<{ nextExpectedRevision: bigint }> {
  // Not async: the usual append is the store's own promise (no extra promise layer per command).
  const appending = store.appendToStream(streamName, data, { expectedRevision: expectedRevisionAfter(loadedAt) });
  return loadedAt < 0n
    ? appending.catch((error: unknown) => appendAfterHidden(store, streamName, data, error))
    : appending;
}

async function appendAfterHidden(
  store: EventStore,
  streamName: string,
  data: EventData[],
  error: unknown,
): Promise<{ nextExpectedRevision: bigint }> {
  if (!(ConcurrencyError.is(error) && typeof error.actual === 'bigint' && error.actual >= 0n)) throw error;
  const hiddenUpTo = error.actual;
  let readsEmpty = true;
  await readRecords(store, streamName, () => (readsEmpty = false), { maxCount: 1 });
  if (!readsEmpty) throw error;
  try {
    return await store.appendToStream(streamName, data, { expectedRevision: hiddenUpTo });
  } catch (again) {
    throw ConcurrencyError.is(again) ? error : again; // another writer got there first: the conflict as the load saw it
  }
}
