import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/**
 * A process manager cannot run as declared (no @ProcessManager, an @On without `processId`, a
 * command no aggregate handles...), or one of its functions returned something it cannot use (a
 * `processId` that is not a non-empty string). Fix the class; the reason says what to change.
 */
export class InvalidProcessManagerError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_PROCESS_MANAGER';

  constructor(
    /** The process manager's name (or its class name when it has none). */
    readonly processManager: string,
    readonly reason: string,
  ) {
    super(`Invalid process manager ${processManager}: ${reason}.`);
  }
}
