import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/**
 * An aggregate's state would not come back the same from a snapshot (a `Map` field, a `Date`
 * without `@Type(() => Date)`, a BigInt...). Thrown when the aggregate is registered, or before the
 * save that would write the snapshot: nothing was written.
 */
export class SnapshotStateError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_SNAPSHOT_STATE';

  constructor(
    readonly aggregateType: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `${aggregateType} has a snapshot policy, but its state does not survive a snapshot: ${path}: ${reason}. ` +
        `Use fields class-transformer can restore (plain objects, arrays, classes and Dates with @Type), ` +
        `mark the field @Exclude(), or remove the snapshot policy.`,
    );
  }
}

/**
 * The latest snapshot of an aggregate could not be read back. Reported through the logger; the
 * aggregate is then loaded by a full replay, so nothing is lost.
 */
export class UnreadableSnapshotError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_UNREADABLE_SNAPSHOT';

  constructor(
    readonly streamName: string,
    readonly revision: bigint | undefined,
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `The snapshot${revision === undefined ? '' : ` at revision ${revision}`} of stream '${streamName}' cannot be used: ` +
        `${reason}. The aggregate is loaded by a full replay instead; the next snapshot replaces it.`,
      options,
    );
  }
}
