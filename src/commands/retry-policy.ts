import { InvalidConfigurationError } from '../errors/configuration-error.js';

/** How conflicts are retried. Every field is optional; see DEFAULT_RETRY_POLICY. */
export interface RetryOptions {
  /** Retries after the first attempt: 0 means one attempt only. */
  maxRetries?: number;
  /** Upper bound of the first retry's delay. */
  initialDelayMs?: number;
  /** No delay is drawn above this. */
  maxDelayMs?: number;
  /** Growth of the delay bound per retry. */
  backoffFactor?: number;
}

export type RetryPolicy = Readonly<Required<RetryOptions>>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: 10,
  initialDelayMs: 1,
  maxDelayMs: 50,
  backoffFactor: 2,
});

/** Fills the defaults in and rejects nonsense (negative, fractional retries, NaN) up front. */
export function resolveRetryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(options) };
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0) problems.push('maxRetries must be an integer >= 0');
  if (!(policy.initialDelayMs >= 0)) problems.push('initialDelayMs must be a number >= 0');
  if (!(policy.maxDelayMs >= 0)) problems.push('maxDelayMs must be a number >= 0');
  if (!(policy.backoffFactor >= 1)) problems.push('backoffFactor must be a number >= 1');
  if (problems.length > 0) throw new InvalidConfigurationError('retry', problems.join('; '));
  return Object.freeze(policy);
}

/**
 * Exponential backoff with full jitter: the delay before retry `retry` (0 for the first retry) is
 * drawn uniformly from [0, min(maxDelayMs, initialDelayMs * backoffFactor^retry)].
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const bound = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.backoffFactor ** retry);
  return random() * bound;
}

function stripUndefined(options: RetryOptions): RetryOptions {
  return Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined));
}
