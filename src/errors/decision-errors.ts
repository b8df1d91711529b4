import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/** A class listed in `mnemeModule({ deciders })` cannot be used as one (found when the module is loaded). */
export class InvalidDeciderError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_DECIDER';

  constructor(
    /** The class's name (or a description of what was given). */
    readonly decider: string,
    readonly reason: string,
  ) {
    super(`Decider ${decider} cannot be used: ${reason}.`);
  }
}

/**
 * A `@Decides` command's `aggregates` function gave something the bus cannot load: not an object of
 * `key: [AggregateClass, id]` entries, an invalid id, or two keys naming the same stream. Found
 * before anything is read or written.
 */
export class InvalidDecisionAggregatesError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_DECISION_AGGREGATES';

  constructor(
    readonly commandName: string,
    /** `Decider.method`. */
    readonly decider: string,
    readonly reason: string,
    /** The key at fault, when there is one. */
    readonly key?: string,
  ) {
    super(
      `Cannot load the aggregates of command '${commandName}' for ${decider}: ${reason}. ` +
        `Its { aggregates } must return { key: [AggregateClass, id], ... }, each key naming a different aggregate.`,
    );
  }
}

/**
 * A `@Decides` method returned something other than `{ key: event | event[] }` for the keys its
 * command declared. Nothing was written.
 */
export class InvalidDecisionError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_DECISION';

  constructor(
    readonly commandName: string,
    /** `Decider.method`. */
    readonly decider: string,
    readonly reason: string,
  ) {
    super(
      `${decider} decided command '${commandName}' in a way that cannot be stored: ${reason}. Nothing was written. ` +
        `Return an object with, for each declared key whose aggregate changes, an event or an array of events.`,
    );
  }
}
