import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { describeValue } from '../errors/describe-value.js';
import { checkKnownKeys, isPlainObject } from '../options/option-checks.js';

export { backoffDelayMs, type BackoffSchedule } from './backoff.js';

/** One backoff schedule. Every field is optional; see DEFAULT_RETRY_POLICY. */
export interface BackoffOptions {
  /** Retries after the first attempt: 0 means one attempt only. */
  maxRetries?: number;
  /** Upper bound of the first retry's delay. */
  initialDelayMs?: number;
  /** No delay is drawn above this. */
  maxDelayMs?: number;
  /** Growth of the delay bound per retry. */
  backoffFactor?: number;
}

/** Why the loop is about to try again. */
export type RetryReason = 'conflict' | 'transient';

/** Passed to `onRetry` before each retry's delay. */
export interface RetryNotice {
  readonly reason: RetryReason;
  /** The attempt that just failed (1-based). */
  readonly attempt: number;
  /** How many retries of this reason have been made so far, this one included. */
  readonly retry: number;
  readonly delayMs: number;
  /** What the failed attempt threw (a `ConcurrencyError` or a transient `EventStoreError`). */
  readonly error: Error;
}

/**
 * How commands are retried: the top-level fields are the concurrency-conflict policy; `transient`
 * is the separate policy for a store that is briefly unavailable (`false` turns it off).
 */
export interface RetryOptions extends BackoffOptions {
  /**
   * Aging of conflict retries: once a command has waited this long (ms since it was sent), the
   * bound of its next delay is scaled by `agingMs / age` (halved at twice this age, a quarter from
   * four times on), so the commands that have waited longest retry soonest. `Infinity` turns it off.
   */
  agingMs?: number;
  transient?: BackoffOptions | boolean;
  /** Called before each retry (for logs and metrics); must not throw. */
  onRetry?: (notice: RetryNotice) => void;
}

export type BackoffPolicy = Readonly<Required<BackoffOptions>>;

export interface RetryPolicy extends BackoffPolicy {
  readonly agingMs: number;
  readonly transient: BackoffPolicy | false;
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** The longest delay `setTimeout` can wait; longer ones fire at once. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** Transient faults: up to 5 retries over at most 3.1 s of delays (100, 200, 400, 800, 1600 ms bounds). */
export const DEFAULT_TRANSIENT_RETRY_POLICY: BackoffPolicy = Object.freeze({
  maxRetries: 5,
  initialDelayMs: 100,
  maxDelayMs: 2000,
  backoffFactor: 2,
});

/**
 * Conflicts: retried until the command's timeout (no count), with delays tuned with the hot-stream
 * benchmark (see the docs' Retries); past 20 ms of waiting a command's delays shrink with its age.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: Infinity,
  initialDelayMs: 1,
  maxDelayMs: 10,
  backoffFactor: 2,
  agingMs: 20,
  transient: DEFAULT_TRANSIENT_RETRY_POLICY,
});

const BACKOFF_KEYS = ['maxRetries', 'initialDelayMs', 'maxDelayMs', 'backoffFactor'] as const;
export const RETRY_OPTION_KEYS: readonly string[] = [...BACKOFF_KEYS, 'agingMs', 'transient', 'onRetry'];

/**
 * Fills the defaults in and rejects, before anything runs, what is not a usable policy: a value
 * that is not an options object, unknown keys (a typo must not silently mean "the defaults"),
 * negative or fractional retries, NaN, and delays longer than `setTimeout` can wait.
 */
export function resolveRetryPolicy(options: RetryOptions = {}, path = 'retry'): RetryPolicy {
  if (!isPlainObject(options)) {
    throw new InvalidConfigurationError(
      path,
      `expected an options object${path === 'retry' ? ' or false' : ''}, got ${describeValue(options)}`,
    );
  }
  checkKnownKeys(options, RETRY_OPTION_KEYS, path);
  const { transient, onRetry, agingMs = DEFAULT_RETRY_POLICY.agingMs } = options as RetryOptions;
  if (onRetry !== undefined && typeof onRetry !== 'function') {
    throw new InvalidConfigurationError(`${path}.onRetry`, `expected a function, got ${describeValue(onRetry)}`);
  }
  if (typeof agingMs !== 'number' || !((agingMs > 0 && agingMs <= MAX_DELAY_MS) || agingMs === Infinity)) {
    throw new InvalidConfigurationError(
      `${path}.agingMs`,
      `expected a number of ms above 0 and at most ${MAX_DELAY_MS}, or Infinity (no aging), got ${describeValue(agingMs)}`,
    );
  }
  const policy: RetryPolicy = {
    ...resolveBackoff(options, DEFAULT_RETRY_POLICY, path),
    agingMs,
    transient: resolveTransient(transient, `${path}.transient`),
    ...(onRetry ? { onRetry } : {}),
  };
  return Object.freeze(policy);
}

function resolveTransient(transient: RetryOptions['transient'], path: string): BackoffPolicy | false {
  if (transient === false) return false;
  if (transient === undefined || transient === true) return DEFAULT_TRANSIENT_RETRY_POLICY;
  if (!isPlainObject(transient)) {
    throw new InvalidConfigurationError(
      path,
      `expected an options object, true or false, got ${describeValue(transient)}`,
    );
  }
  checkKnownKeys(transient, BACKOFF_KEYS, path);
  return Object.freeze(resolveBackoff(transient, DEFAULT_TRANSIENT_RETRY_POLICY, path));
}

function resolveBackoff(options: BackoffOptions, defaults: BackoffPolicy, path: string): BackoffPolicy {
  const value = (key: keyof BackoffOptions) => (options[key] === undefined ? defaults[key] : options[key]);
  const policy = {
    maxRetries: value('maxRetries'),
    initialDelayMs: value('initialDelayMs'),
    maxDelayMs: value('maxDelayMs'),
    backoffFactor: value('backoffFactor'),
  };
  const problems: string[] = [];
  if (!(Number.isSafeInteger(policy.maxRetries) || policy.maxRetries === Infinity) || policy.maxRetries < 0) {
    problems.push(`maxRetries must be an integer >= 0 (or Infinity), got ${describeValue(policy.maxRetries)}`);
  }
  for (const key of ['initialDelayMs', 'maxDelayMs'] as const) {
    const delay = policy[key];
    if (typeof delay !== 'number' || !(delay >= 0 && delay <= MAX_DELAY_MS)) {
      problems.push(
        `${key} must be a number from 0 to ${MAX_DELAY_MS} (the longest setTimeout delay), got ${describeValue(delay)}`,
      );
    }
  }
  if (
    typeof policy.backoffFactor !== 'number' ||
    !(policy.backoffFactor >= 1 && Number.isFinite(policy.backoffFactor))
  ) {
    problems.push(`backoffFactor must be a finite number >= 1, got ${describeValue(policy.backoffFactor)}`);
  }
  if (problems.length > 0) throw new InvalidConfigurationError(path, problems.join('; '));
  return policy;
}
