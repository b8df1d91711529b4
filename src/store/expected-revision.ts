/** Accept the append whatever the stream holds (unless it is tombstoned). */
export const ANY = 'any' as const;
/** The stream must hold no events (never written, or soft-deleted). */
export const NO_STREAM = 'no_stream' as const;
/** The stream must exist. */
export const STREAM_EXISTS = 'stream_exists' as const;

/**
 * What the writer believes the stream's last revision is. Mirrors the Kurrent client one to one:
 * a bigint is the exact revision of the stream's last event.
 */
export type ExpectedRevision = typeof ANY | typeof NO_STREAM | typeof STREAM_EXISTS | bigint;

/** What a stream actually held when an append was refused. */
export type ActualRevision = typeof NO_STREAM | bigint;

/**
 * Whether a stream at `current` satisfies `expected`, before idempotency is considered (an append of
 * no events is decided by this alone).
 */
export function expectedRevisionMatches(expected: ExpectedRevision, current: ActualRevision): boolean {
  if (expected === ANY) return true;
  if (expected === STREAM_EXISTS) return current !== NO_STREAM;
  return expected === current;
}
