import type { RecordedEvent } from 'mneme';

/** Drains an event stream into an array (tests only: production code streams). */
export async function collect(events: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}
