import type { AggregateRoot } from '../aggregate/aggregate-root.js';

/** Events a command already stored, found while replaying its aggregate. */
export interface StoredCommandEvents {
  readonly events: readonly object[];
  /** Revision of the last of them. */
  readonly lastRevision: bigint;
}

/** What a load for a command gives: the aggregate, and the events the command stored, if it did. */
export interface LoadedForCommand<A extends AggregateRoot> {
  aggregate: A;
  stored: StoredCommandEvents | undefined;
}
