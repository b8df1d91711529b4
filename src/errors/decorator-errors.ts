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

/**
 * An event class declares its schema in a way that cannot work: a bad version or alias, or a gap
 * in its upcaster chain. Thrown when the class is decorated, so it surfaces when the module loads,
 * not during a replay.
 */
export class InvalidEventSchemaError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_EVENT_SCHEMA';

  constructor(
    readonly eventClass: string,
    readonly reason: string,
    readonly eventType?: string,
  ) {
    super(
      `Event class ${eventClass}${eventType ? ` (@EventType('${eventType}'))` : ''} has an invalid schema declaration: ` +
        `${reason}.`,
    );
  }
}
