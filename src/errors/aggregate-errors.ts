import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/** A command that expects an existing aggregate found an empty stream. */
export class AggregateNotFoundError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_AGGREGATE_NOT_FOUND';

  constructor(
    readonly aggregateType: string,
    readonly aggregateId: string,
    readonly streamName: string,
  ) {
    super(
      `${aggregateType} '${aggregateId}' does not exist (stream '${streamName}' is empty). ` +
        `Create it first, or check the id.`,
    );
  }
}

/**
 * execute() copies the state for each attempt, and part of it cannot be copied faithfully (a
 * function, a URL, a class with #private fields...). Found before the stream is read.
 */
export class StateNotCopyableError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_STATE_NOT_COPYABLE';

  constructor(
    /** Where the value sits, e.g. `state.items[2].link`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `Cannot copy ${path}: ${reason}. Each attempt of execute() starts from a deep copy of the state, so the ` +
        `state must hold data only: plain objects, class instances with ordinary fields, arrays, Maps, Sets, ` +
        `Dates, RegExps, Errors, Buffers and typed arrays (subclasses included). Keep the value outside the ` +
        `state, or store what it holds (e.g. url.href).`,
    );
  }
}

/** A command that creates an aggregate found its stream already written. */
export class AggregateAlreadyExistsError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_AGGREGATE_ALREADY_EXISTS';

  constructor(
    readonly aggregateType: string,
    readonly aggregateId: string,
    readonly streamName: string,
    /** Revision of the stream's last event. */
    readonly revision: bigint,
  ) {
    super(
      `${aggregateType} '${aggregateId}' already exists (stream '${streamName}' is at revision ${revision}). ` +
        `Use another id, or send a command that acts on the existing aggregate.`,
    );
  }
}

/** An aggregate class cannot be used as declared (found when it is first used or registered). */
export class InvalidAggregateError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_AGGREGATE';

  constructor(
    readonly aggregateType: string,
    readonly reason: string,
  ) {
    super(`Aggregate ${aggregateType} cannot be used: ${reason}.`);
  }
}
