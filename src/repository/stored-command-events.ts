import type { AggregateRoot } from '../aggregate/aggregate-root.js';
import type { StoredCommandEvents } from './stored-command.js';

export type { StoredCommandEvents };

/** What a load for a command gives: the aggregate, and the events the command stored, if it did. */
export interface LoadedForCommand<A extends AggregateRoot> {
  aggregate: A;
  stored: StoredCommandEvents | undefined;
}
