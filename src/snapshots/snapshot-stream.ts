/** The stored type of snapshot events. */
export const SNAPSHOT_EVENT_TYPE = 'Mneme.Snapshot';

/** How many snapshots a store that can scavenge (KurrentDB: `$maxCount`) keeps per aggregate. */
export const SNAPSHOTS_KEPT = 3;

/**
 * `<category>_snapshot-<id>`: KurrentDB takes a stream's category from the text before its first
 * '-', so snapshots live in their own category and projections over the aggregate's never see them.
 */
export function snapshotStreamName(category: string, id: string): string {
  return `${category}_snapshot-${id}`;
}
