import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

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
