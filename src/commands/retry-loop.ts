import { ConcurrencyError } from '../errors/command-errors.js';
import { MaxRetriesExceededError, TransientRetriesExceededError } from '../errors/command-errors.js';
import { EventStoreUnavailableError } from '../errors/store-errors.js';
import type { CommandDeadline } from './command-deadline.js';
import { backoffDelayMs } from './backoff.js';
import { type BackoffPolicy, type RetryNotice, type RetryPolicy, type RetryReason } from './retry-policy.js';

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Mneme's own listener (telemetry), called before the policy's `onRetry`. */
  onRetry?: (notice: RetryNotice) => void;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one retry loop behind both `execute()` and the command bus. Runs `attempt` (a whole
 * load + decide + append) until it succeeds, retrying two kinds of failure, each on its own
 * schedule:
 * - `ConcurrencyError` (the stream moved under us): retried until the command's deadline (its
 *   timeout: a hot stream never fails a command by running out of a count); `MaxRetriesExceededError`
 *   only when a `maxRetries` was set and runs out first;
 * - `EventStoreUnavailableError` (a transient fault on a read or an append): gives up with
 *   `TransientRetriesExceededError` after `transient.maxRetries`, or at the deadline. Safe because
 *   appends carry deterministic ids and each attempt first looks for the command's events in the
 *   stream it replays.
 * Any other error propagates unchanged, at once. Once the deadline has passed no attempt starts.
 */
export function retryCommand<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  hooks: RetryHooks = {},
  deadline?: CommandDeadline,
): Promise<T> {
  // The first attempt runs without the loop's machinery: most commands succeed at once.
  let first: Promise<T>;
  try {
    first = attempt(1);
  } catch (error) {
    first = Promise.reject(error);
  }
  return first.then(undefined, (error: unknown) => retryAfter(policy, attempt, hooks, error, deadline));
}

async function retryAfter<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  hooks: RetryHooks,
  firstError: unknown,
  deadline: CommandDeadline | undefined,
): Promise<T> {
  const sleep = hooks.sleep ?? sleepFor;
  const retries: Record<RetryReason, number> = { conflict: 0, transient: 0 };
  let error = firstError;
  for (let attemptNumber = 1; ; attemptNumber++) {
    let reason: RetryReason;
    let backoff: BackoffPolicy;
    if (ConcurrencyError.is(error)) {
      if (retries.conflict >= policy.maxRetries)
        throw new MaxRetriesExceededError(error.streamName, attemptNumber, error);
      [reason, backoff] = ['conflict', policy];
    } else if (policy.transient !== false && EventStoreUnavailableError.is(error)) {
      if (retries.transient >= policy.transient.maxRetries)
        throw new TransientRetriesExceededError(attemptNumber, error);
      [reason, backoff] = ['transient', policy.transient];
    } else {
      throw error;
    }
    if (deadline) {
      // Out of time: the caller already has (or now gets) the CommandTimeoutError; no more attempts.
      deadline.lastError = error;
      deadline.check();
    }
    const retry = ++retries[reason];
    const delayMs = deadline
      ? Math.min(backoffDelayMs(backoff, retry - 1, hooks.random), deadline.remainingMs())
      : backoffDelayMs(backoff, retry - 1, hooks.random);
    const notice: RetryNotice = { reason, attempt: attemptNumber, retry, delayMs, error: error as Error };
    hooks.onRetry?.(notice);
    policy.onRetry?.(notice);
    await sleep(delayMs);
    deadline?.check();
    try {
      return await attempt(attemptNumber + 1);
    } catch (failed) {
      error = failed;
    }
  }
}
