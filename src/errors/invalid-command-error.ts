import type { MnemeErrorCode } from './error-codes.js';
import { describeValue } from './describe-value.js';
import { MnemeError } from './mneme-error.js';

/** What was given to `bus.execute` is not a command object at all. Nothing was read or written. */
export class InvalidCommandError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_COMMAND';

  constructor(
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(
      `Cannot execute ${describeValue(value)}: ${reason}. Pass an instance of a command class that an ` +
        `aggregate handles with @Handles, e.g. bus.execute(new Deposit('acc-1', 10)).`,
    );
  }
}
