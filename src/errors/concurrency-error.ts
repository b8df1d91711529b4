import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/**
 * The store's ExpectedRevision and ActualRevision, spelled out: errors import nothing of ours, so
 * the store's types are checked against these in test/unit/concurrency-error-types.test.ts.
 */
type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;
type ActualRevision = 'no_stream' | bigint;

/**
 * An append was refused because the stream is not at the expected revision: another writer got
 * there first. The command bus retries these; direct store users should reload and decide again.
 */
export class ConcurrencyError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_CONCURRENCY_CONFLICT';

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

function formatRevision(revision: ExpectedRevision | ActualRevision): string {
  return typeof revision === 'bigint' ? `revision ${revision}` : revision;
}
