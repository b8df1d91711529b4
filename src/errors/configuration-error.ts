import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/** An option given to Mneme is invalid; found before anything runs. */
export class InvalidConfigurationError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_CONFIGURATION';

  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`Invalid '${option}' option: ${reason}.`);
  }
}
