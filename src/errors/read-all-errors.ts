import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/** `readAll` or `subscribeToAll` was given an option no store can honour. Nothing was read. */
export class InvalidReadAllOptionsError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_READ_ALL_OPTIONS';

  constructor(
    /** The option at fault, e.g. `filter.streamNamePrefixes`. */
    readonly option: string,
    readonly reason: string,
  ) {
    super(`Invalid '${option}' for reading the global log: ${reason}.`);
  }
}

/** `readStream` was given options no store can honour. Nothing was read. */
export class InvalidReadOptionsError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_READ_OPTIONS';

  constructor(
    /** The option at fault (`options` itself when it is not an object). */
    readonly option: string,
    readonly reason: string,
  ) {
    super(`Invalid '${option}' for reading a stream: ${reason}. Pass { fromRevision?: bigint >= 0n, direction?: 'forwards' | 'backwards', maxCount?: integer >= 0 }.`);
  }
}
