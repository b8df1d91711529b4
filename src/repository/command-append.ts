import { ConcurrencyError } from '../errors/command-errors.js';
import type { AppendResult, EventData, EventStore, RecordedEvent } from '../store/event-store.js';
import { expectedRevisionAfter, readRecords } from '../aggregate/replay.js';

/**
 * Appends a command's events at the revision its state was read at. A stream that read as empty
 * may still hold hidden events (all of them truncated by `$tb`, or scavenged): the store then
 * refuses `no_stream`, naming its last revision. If a read still shows nothing, the stream is
 * empty as far as the command can tell, and the append is made after that revision (a writer
 * appending meanwhile still conflicts). The repository and `execute()` both append through this.
 */
export function appendAfterRead(
  store: EventStore,
  streamName: string,
  data: EventData[],
  loadedAt: bigint,
): Promise<AppendResult> {
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
): Promise<AppendResult> {
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

/**
 * The events stored from `firstRevision` by an append of `data`, if they carry the ids just
 * appended; undefined when the stream does not show them (they were stored before, then deleted or
 * truncated). When another send of the same command id may have stored first, the store answers
 * the append as an idempotent re-append though the events it holds are that send's, not the ones
 * decided here: reading them back is how both senders answer with what was stored.
 */
export async function readBackAppended(
  store: EventStore,
  streamName: string,
  firstRevision: bigint,
  data: readonly EventData[],
): Promise<RecordedEvent[] | undefined> {
  const records: RecordedEvent[] = [];
  await readRecords(store, streamName, (recorded) => void records.push(recorded), {
    fromRevision: firstRevision,
    maxCount: data.length,
  });
  if (records.length !== data.length) return undefined;
  for (let i = 0; i < records.length; i++) {
    if (records[i]!.id !== data[i]!.id || records[i]!.revision !== firstRevision + BigInt(i)) return undefined;
  }
  return records;
}
