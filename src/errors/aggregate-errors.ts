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
