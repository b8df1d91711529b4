import type { BackoffSchedule } from '../commands/backoff.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';

export interface ProjectionRunnerOptions {
  /** A checkpoint is saved after this many events (default 100) or this many ms (default 1000), whichever comes first. */
  checkpointEvery?: { events?: number; ms?: number };
  /**
   * A throwing handler is retried `maxRetries` times after its first call (default 4: five calls in
   * all), with backoff, before its projection stops.
   */
  handlerRetry?: {
    /** Retries after the first call, as `retry.maxRetries` counts for commands: 0 means one call only. */
    maxRetries?: number;
    /** @deprecated Calls in all (`maxRetries + 1`); use `maxRetries`. Still accepted and checked. */
    maxAttempts?: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
  };
  /** Backoff between resubscriptions after a dropped subscription (retried until stop()). */
  resubscribe?: { initialDelayMs?: number; maxDelayMs?: number };
  /**
   * How long a handler call, or a checkpoint store's save or load, may take before it counts as
   * failed (default 30 000 ms): a timed-out handler is a failed attempt (see handlerRetry), a
   * timed-out save a failed save. `stop()` returns within this bound too, reporting what it abandoned.
   */
  handlerTimeoutMs?: number;
}

export interface ResolvedProjectionOptions {
  readonly checkpointEvents: number;
  readonly checkpointMs: number;
  /** Retries of a throwing handler after its first call. */
  readonly handlerRetries: number;
  readonly handlerBackoff: BackoffSchedule;
  readonly resubscribeBackoff: BackoffSchedule;
  readonly handlerTimeoutMs: number;
}

/** Projections back off with equal jitter (at least half the bound), doubling per failure. */
const schedule = (initialDelayMs: number, maxDelayMs: number): BackoffSchedule => ({
  initialDelayMs,
  maxDelayMs,
  backoffFactor: 2,
  jitter: 'equal',
});

/** The default bound on a projection handler call, a checkpoint save or load, and `stop()`. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The known keys: a typo (`checkpointEvry`, `handlerRetry.maxRetries`) is refused, not ignored. */
const PROJECTION_RUNNER_OPTIONS: OptionShape = {
  checkpointEvery: rule.object({ events: rule.integer(1), ms: rule.number(1) }),
  handlerRetry: rule.object({
    maxRetries: rule.integer(0),
    maxAttempts: rule.integer(1),
    initialDelayMs: rule.number(0),
    maxDelayMs: rule.number(0),
  }),
  resubscribe: rule.object({ initialDelayMs: rule.number(0), maxDelayMs: rule.number(0) }),
  handlerTimeoutMs: rule.integer(1, MAX_TIMER_MS),
} satisfies Record<keyof ProjectionRunnerOptions, unknown>;

/**
 * Checks the options (`path` names them in errors; `alsoKnown` are keys the caller handles, e.g. the
 * runner's `checkpointStore`) and fills the defaults in.
 */
export function resolveProjectionOptions(
  options: ProjectionRunnerOptions = {},
  path = 'projectionRunner',
  alsoKnown: readonly string[] = [],
): ResolvedProjectionOptions {
  const known = { ...PROJECTION_RUNNER_OPTIONS, ...Object.fromEntries(alsoKnown.map((key) => [key, rule.any])) };
  checkOptions(options, path, known);
  const retry = options.handlerRetry;
  if (
    retry?.maxAttempts !== undefined &&
    retry.maxRetries !== undefined &&
    retry.maxRetries !== retry.maxAttempts - 1
  ) {
    throw new InvalidConfigurationError(
      `${path}.handlerRetry.maxAttempts`,
      `maxAttempts ${retry.maxAttempts} and maxRetries ${retry.maxRetries} disagree (maxAttempts is maxRetries + 1); give maxRetries only`,
    );
  }
  const resolved = {
    checkpointEvents: options.checkpointEvery?.events ?? 100,
    checkpointMs: options.checkpointEvery?.ms ?? 1000,
    handlerRetries: retry?.maxRetries ?? (retry?.maxAttempts === undefined ? 4 : retry.maxAttempts - 1),
    handlerBackoff: schedule(retry?.initialDelayMs ?? 100, retry?.maxDelayMs ?? 5000),
    resubscribeBackoff: schedule(options.resubscribe?.initialDelayMs ?? 100, options.resubscribe?.maxDelayMs ?? 10_000),
    handlerTimeoutMs: options.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
  };
  for (const [label, backoff] of [
    ['handlerRetry', resolved.handlerBackoff],
    ['resubscribe', resolved.resubscribeBackoff],
  ] as const) {
    if (!(backoff.maxDelayMs >= backoff.initialDelayMs)) {
      throw new InvalidConfigurationError(
        `${path}.${label}.maxDelayMs`,
        `expected a number >= initialDelayMs (${backoff.initialDelayMs}), got ${backoff.maxDelayMs}`,
      );
    }
  }
  return resolved;
}
