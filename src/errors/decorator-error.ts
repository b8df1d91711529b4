import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/**
 * A decorator was used in a way Mneme cannot honour (a missing class argument, a static member,
 * two @AggregateId() on one command...). Thrown when the class is declared, before anything runs.
 */
export class InvalidDecoratorError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_DECORATOR';

  constructor(
    /** The decorator, e.g. `@Apply`. */
    readonly decorator: string,
    readonly reason: string,
    /** Where it was used (`Cart.onCheckedOut`), when known. */
    readonly target?: string,
  ) {
    super(`${decorator}${target ? ` on ${target}` : ''} cannot be used: ${reason}.`);
  }
}
