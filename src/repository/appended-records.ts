import type { EventData, EventStore, RecordedEvent } from '../store/event-store.js';
import { readRecords } from '../aggregate/replay.js';

/** The records an append of `data` from `firstRevision` stored (their `createdAt` is the store's business: now). */
export function recordsOf(data: readonly EventData[], streamName: string, firstRevision: bigint): RecordedEvent[] {
  const createdAt = new Date();
  const records = new Array<RecordedEvent>(data.length);
  let revision = firstRevision - 1n;
  for (let i = 0; i < data.length; i++) {
    const event = data[i]!;
    revision += 1n;
    records[i] = {
      id: event.id!,
      streamName,
      revision,
      type: event.type,
      data: event.data,
      metadata: event.metadata ?? {},
      createdAt,
    };
  }
  return records;
}

/**
 * The events stored from `firstRevision`, if they carry the ids just appended (one read of the
 * saved events); undefined when they do not: the stream does not show them.
 */
export async function readBack(
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
