import { InvalidAggregateError } from '../src/errors/aggregate-errors.js';

/** Take a snapshot once `every` events have been saved since the last one. */
export interface EverySnapshotOptions {
  every: number;
  /** The schema version of the aggregate's state: bump it when the state's shape changes. */
  version: number;
}

/** Take a snapshot after a save when `when(aggregate, eventsSinceSnapshot)` says so. */
export interface WhenSnapshotOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  when: (aggregate: any, eventsSinceSnapshot: number) => boolean;
  /** The schema version of the aggregate's state: bump it when the state's shape changes. */
  version: number;
}

/** `@Aggregate({ category, snapshot })`: when to store the aggregate's state, and its version. */
export type SnapshotOptions = EverySnapshotOptions | WhenSnapshotOptions;

/** Rejects a snapshot policy that could never work, when the aggregate class is decorated. */
export function checkSnapshotOptions(aggregate: Function, snapshot: SnapshotOptions): void {
  const fail = (reason: string) => new InvalidAggregateError(aggregate.name, `@Aggregate({ snapshot }): ${reason}`);
  if (typeof snapshot !== 'object' || snapshot === null) throw fail('give { every, version } or { when, version }');
  const { version } = snapshot;
  if (!Number.isSafeInteger(version) || version < 1)
    throw fail(`version must be a positive integer, got ${String(version)}`);
  const every = (snapshot as Partial<EverySnapshotOptions>).every;
  const when = (snapshot as Partial<WhenSnapshotOptions>).when;
  if ((every === undefined) === (when === undefined)) throw fail('give exactly one of every and when');
  if (every !== undefined && (!Number.isSafeInteger(every) || every < 1)) {
    throw fail(`every must be a positive integer number of events, got ${String(every)}`);
  }
  if (when !== undefined && typeof when !== 'function')
    throw fail('when must be a function (aggregate, eventsSinceSnapshot) => boolean');
}
