import { ConcurrencyError } from '../errors/command-errors.js';
import { MaxRetriesExceededError, TransientRetriesExceededError } from '../errors/command-errors.js';
import { EventStoreUnavailableError } from '../errors/store-errors.js';
import type { CommandDeadline } from './command-deadline.js';
import { performance } from 'node:perf_hooks';
import { agedDelayMs, backoffDelayMs } from './backoff.js';
import { type BackoffPolicy, type RetryNotice, type RetryPolicy, type RetryReason } from './retry-policy.js';

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The clock the command's age is read from (default `performance.now`). */
  now?: () => number;
  /** Mneme's own listener (telemetry), called before the policy's `onRetry`. */
  onRetry?: (notice: RetryNotice) => void;
}

/** A timer waits 1 ms at least: a shorter delay is one turn of the event loop instead (timers and I/O run, then the retry). */
const sleepFor = (ms: number) =>
  new Promise<void>((resolve) => (ms < 1 ? setImmediate(resolve) : setTimeout(resolve, ms)));

/**
 * The one retry loop behind both `execute()` and the command bus. Runs `attempt` (a whole
 * load + decide + append) until it succeeds, retrying two kinds of failure, each on its own
 * schedule:
 * - `ConcurrencyError` (the stream moved under us): retried until the command's deadline (its
 *   timeout: a hot stream never fails a command by running out of a count); `MaxRetriesExceededError`
 *   only when a `maxRetries` was set and runs out first. Delays shrink with the command's age
 *   (`agingMs`): the commands that have waited longest retry soonest, so fresh arrivals do not
 *   starve them;
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
  const now = hooks.now ?? (() => performance.now());
  // The age counts from the send (the deadline's start), or without a deadline from the first conflict.
  const sentAt = deadline ? deadline.sentAt : now();
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
    let delayMs = backoffDelayMs(backoff, retry - 1, hooks.random);
    if (reason === 'conflict') delayMs = agedDelayMs(delayMs, now() - sentAt, policy.agingMs);
    if (deadline) delayMs = Math.min(delayMs, deadline.remainingMs());
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
