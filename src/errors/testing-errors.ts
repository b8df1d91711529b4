import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/**
 * An `aggregateSpec` expectation did not hold. The message is the readable diff; `expected` and
 * `actual` describe both sides; the handler's error, if it threw unexpectedly, is the `cause`.
 */
export class AggregateSpecFailedError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_AGGREGATE_SPEC_FAILED';

  constructor(
    readonly aggregate: string,
    readonly command: string,
    readonly expected: string,
    readonly actual: string,
    diff: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${aggregate} handling ${command}: ${diff}`, options);
  }
}

/** A `processSpec` expectation did not hold. The message is the readable diff; a handler's unexpected error is the `cause`. */
export class ProcessSpecFailedError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_PROCESS_SPEC_FAILED';

  constructor(
    readonly processManager: string,
    readonly event: string,
    readonly expected: string,
    readonly actual: string,
    diff: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${processManager} handling ${event}: ${diff}`, options);
  }
}
