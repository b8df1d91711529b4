import type { EventData, RecordedEvent } from '../store/event-store.js';

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
