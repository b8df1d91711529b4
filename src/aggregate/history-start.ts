import type { EventStore, RecordedEvent } from '../store/event-store.js';

/**
 * The first event of the history an aggregate's state was built from (null: none, the stream read
 * as empty). On a store whose streams can be truncated, a cached or snapshotted state is only
 * still right while that event is still the stream's first.
 */
export interface HistoryStart {
  readonly revision: bigint;
  /** Unknown for a snapshot written before snapshots recorded it. */
  readonly id: string | undefined;
}

const starts = new WeakMap<object, HistoryStart | null>();

export function historyStartOf(aggregate: object): HistoryStart | null | undefined {
  return starts.get(aggregate);
}

export function setHistoryStart(aggregate: object, start: HistoryStart | null): void {
  starts.set(aggregate, start);
}

/** After `recorded` was applied: the start, if the history was empty until now. */
export function noteApplied(aggregate: object, recorded: RecordedEvent): void {
  if (starts.get(aggregate) === null) starts.set(aggregate, { revision: recorded.revision, id: recorded.id });
}

/** The stream's first event as it reads now (one event read), or null when it reads as empty. */
export async function firstEventOf(store: EventStore, streamName: string): Promise<HistoryStart | null> {
  for await (const recorded of store.readStream(streamName, { maxCount: 1 })) return { revision: recorded.revision, id: recorded.id };
  return null;
}

/** Whether the stream's first event now is still `start` (an unknown id matches any). */
export function sameStart(start: HistoryStart, now: HistoryStart | null): boolean {
  return now !== null && now.revision === start.revision && (start.id === undefined || start.id === now.id);
}
