/**
 * A follower's view of the log: the records committed at least `lagMs` ago, as a follower that has
 * not yet replicated the rest. Stream deletes and tombstones show at once (they are not aged).
 */
import type { InMemoryLog, LogReader, StreamView } from './log.js';
import type { LogRecord } from './records.js';

export function laggedReader(log: InMemoryLog, lagMs: number, now: () => number = Date.now): LogReader {
  const replicated = (records: readonly LogRecord[]) => records.slice(0, countUpTo(records, now() - lagMs));
  return {
    get all() {
      return replicated(log.all);
    },
    streamView(stream: string): StreamView {
      const view = log.streamView(stream);
      if (view.kind !== 'found') return view;
      const events = replicated(view.events);
      return events.length === 0 ? { kind: 'not-found' } : { ...view, events };
    },
  };
}

/** How many leading records were committed by `cutoff` (commit times never go down along the log). */
function countUpTo(records: readonly LogRecord[], cutoff: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid]!.createdMs <= cutoff) low = mid + 1;
    else high = mid;
  }
  return low;
}
