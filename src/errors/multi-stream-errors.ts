import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';
import { ConcurrencyError } from './command-errors.js';

/** The store's ExpectedRevision and ActualRevision, spelled out as in command-errors.ts (errors import nothing of ours). */
type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;
type ActualRevision = 'no_stream' | bigint;

/**
 * One stream whose expectation failed in a multi-stream append: a stream being written
 * (`role: 'append'`) or a consistency check on a stream (`role: 'check'`).
 */
export interface StreamConflict {
  readonly streamName: string;
  readonly role: 'append' | 'check';
  readonly expected: ExpectedRevision;
  readonly actual: ActualRevision;
}

/**
 * A multi-stream append was refused because one or more streams were not where the caller expected:
 * nothing was written to any stream. A ConcurrencyError (the first conflict fills `streamName`,
 * `expected` and `actual`), so code that retries conflicts retries these; `conflicts` names every one.
 */
export class MultiStreamConcurrencyError extends ConcurrencyError {
  static override readonly code: MnemeErrorCode = 'MNEME_MULTI_STREAM_CONFLICT';

  constructor(
    readonly conflicts: readonly StreamConflict[],
    options: { cause?: unknown } = {},
  ) {
    const first = conflicts[0]!;
    super(first.streamName, first.expected, first.actual, {
      ...options,
      message:
        `Multi-stream append refused, nothing was written: ${conflicts.map(describeConflict).join('; ')}. ` +
        `Another writer got there first: reload these streams and decide again.`,
    });
    this.conflicts = Object.freeze(conflicts.map((conflict) => Object.freeze({ ...conflict })));
  }
}

function describeConflict({ streamName, role, expected, actual }: StreamConflict): string {
  const show = (revision: ExpectedRevision | ActualRevision) =>
    typeof revision === 'bigint' ? `revision ${revision}` : revision;
  return `${role === 'check' ? 'check on' : 'append to'} '${streamName}' expected ${show(expected)}, found ${show(actual)}`;
}

/** `appendToStreams` was given requests or checks no store can honour. Nothing was written. */
export class InvalidMultiStreamAppendError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_MULTI_STREAM_APPEND';

  constructor(
    readonly reason: string,
    /** The stream at fault, when there is one. */
    readonly streamName?: string,
  ) {
    super(
      `Invalid multi-stream append: ${reason}. Pass one request per stream, each with at least one event, ` +
        `and checks for streams you read but do not write (never ANY, never a stream you write).`,
    );
  }
}

/** What a multi-stream append needs that the store (or its server) lacks. */
export type MultiStreamCapability = 'appendToStreams' | 'checks';

/**
 * The store cannot append to several streams atomically (a store without `appendToStreams`), or its
 * server cannot (KurrentDB before 25.1; consistency checks need 26.1). Nothing was written.
 */
export class MultiStreamAppendUnsupportedError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_MULTI_STREAM_APPEND_UNSUPPORTED';

  constructor(
    readonly capability: MultiStreamCapability,
    /** The store's class name. */
    readonly store: string,
    /** What is missing, e.g. "the server has no StreamsService/AppendRecords (KurrentDB 26.1+)". */
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${capability === 'checks' ? 'Consistency checks on a multi-stream append' : 'Multi-stream append'} is not supported by ${store}: ` +
        `${reason}. Nothing was written. Use a store (or server version) that supports it, or decide one stream at a time.`,
      options,
    );
  }
}
