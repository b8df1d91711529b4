import { MnemeError } from './mneme-error.js';
import { formatRevision, type ActualRevision, type ExpectedRevision } from '../store/expected-revision.js';

/**
 * An append was refused because the stream is not at the expected revision: another writer got
 * there first. The command bus retries these; direct store users should reload and decide again.
 */
export class ConcurrencyError extends MnemeError {
  static override readonly code: string = 'MNEME_CONCURRENCY_CONFLICT';

  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
    options: { cause?: unknown } = {},
  ) {
    super(
      `Append to stream '${streamName}' expected ${formatRevision(expected)} but the stream is at ` +
        `${formatRevision(actual)}: another writer appended first. Reload the stream and decide again.`,
      options,
    );
  }
}
