import { ConcurrencyError } from '../errors/concurrency-error.js';
import { MaxRetriesExceededError } from '../errors/command-errors.js';
import { backoffDelayMs, type RetryPolicy } from './retry-policy.js';

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, retrying only `ConcurrencyError` (the stream moved under us),
 * with backoff between attempts. Any other error propagates unchanged. The one loop behind both
 * `execute()` and the command bus.
 */
export async function retryOnConflict<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? sleepFor;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!ConcurrencyError.is(error)) throw error;
      if (attemptNumber > policy.maxRetries) {
        throw new MaxRetriesExceededError(error.streamName, attemptNumber, error);
      }
      await sleep(backoffDelayMs(policy, attemptNumber - 1, hooks.random));
    }
  }
}
