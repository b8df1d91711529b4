import { MnemeError } from './mneme-error.js';

/** An append or read was given an expected revision that is none of ANY, NO_STREAM, STREAM_EXISTS or a bigint >= 0n. */
export class InvalidExpectedRevisionError extends MnemeError {
  static override readonly code: string = 'MNEME_INVALID_EXPECTED_REVISION';

  constructor(readonly expectedRevision: unknown) {
    super(
      `Invalid expectedRevision ${String(expectedRevision)}: use ANY, NO_STREAM, STREAM_EXISTS or the ` +
        `revision of the stream's last event as a bigint (>= 0n).`,
    );
  }
}
