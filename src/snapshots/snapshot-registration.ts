import type { AggregateClass } from '../../decorators/index.js';
import { snapshotPolicyOf } from './snapshot-policy.js';
import { captureState } from './snapshot-state.js';

/**
 * When an aggregate with a snapshot policy is registered: a fresh instance must survive a snapshot
 * (a `Map` field or a `Date` without @Type shows already), or `SnapshotStateError` is thrown.
 * What only later states show is caught before the save that would take the snapshot.
 */
export function checkSnapshotState(type: AggregateClass): void {
  if (typeof type !== 'function' || !snapshotPolicyOf(type)) return;
  captureState(new type());
}
