import type { EventStore, RecordedEvent } from '../store/event-store.js';
import { aggregateInternals, type AggregateRoot } from './aggregate-root.js';
import { readRecords } from './replay.js';

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

/** Undefined: not known (the aggregate was not loaded by the repository). */
export function historyStartOf(aggregate: AggregateRoot): HistoryStart | null | undefined {
  return aggregateInternals.historyStart(aggregate);
}

export function setHistoryStart(aggregate: AggregateRoot, start: HistoryStart | null): void {
  aggregateInternals.setHistoryStart(aggregate, start);
}

/** After `recorded` was applied: the start, if the history was empty until now. */
export function noteApplied(aggregate: AggregateRoot, recorded: RecordedEvent): void {
  if (aggregateInternals.historyStart(aggregate) === null)
    aggregateInternals.setHistoryStart(aggregate, { revision: recorded.revision, id: recorded.id });
}

/** The stream's first event as it reads now (one event read, by pages where the store has them), or null when it reads as empty. */
export async function firstEventOf(store: EventStore, streamName: string): Promise<HistoryStart | null> {
  let first: HistoryStart | null = null;
  await readRecords(
    store,
    streamName,
    (recorded) => void (first ??= { revision: recorded.revision, id: recorded.id }),
    { maxCount: 1 },
  );
  return first;
}

/** Whether the stream's first event now is still `start` (an unknown id matches any). */
export function sameStart(start: HistoryStart, now: HistoryStart | null): boolean {
  return now !== null && now.revision === start.revision && (start.id === undefined || start.id === now.id);
}
