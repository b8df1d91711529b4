import { InvalidConfigurationError } from '../errors/configuration-error.js';

export interface ProjectionRunnerOptions {
  /** A checkpoint is saved after this many events (default 100) or this many ms (default 1000), whichever comes first. */
  checkpointEvery?: { events?: number; ms?: number };
  /** A throwing handler is retried this many times in all (default 5), with backoff, before its projection stops. */
  handlerRetry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
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
  readonly handlerAttempts: number;
  readonly handlerBackoff: Backoff;
  readonly resubscribeBackoff: Backoff;
  readonly handlerTimeoutMs: number;
}

export interface Backoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** The default bound on a projection handler call, a checkpoint save or load, and `stop()`. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function resolveProjectionOptions(options: ProjectionRunnerOptions = {}): ResolvedProjectionOptions {
  const resolved = {
    checkpointEvents: options.checkpointEvery?.events ?? 100,
    checkpointMs: options.checkpointEvery?.ms ?? 1000,
    handlerAttempts: options.handlerRetry?.maxAttempts ?? 5,
    handlerBackoff: { initialDelayMs: options.handlerRetry?.initialDelayMs ?? 100, maxDelayMs: options.handlerRetry?.maxDelayMs ?? 5000 },
    resubscribeBackoff: { initialDelayMs: options.resubscribe?.initialDelayMs ?? 100, maxDelayMs: options.resubscribe?.maxDelayMs ?? 10_000 },
    handlerTimeoutMs: options.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
  };
  const problems: string[] = [];
  if (!Number.isInteger(resolved.checkpointEvents) || resolved.checkpointEvents < 1) problems.push('checkpointEvery.events must be an integer >= 1');
  if (!(resolved.checkpointMs >= 1)) problems.push('checkpointEvery.ms must be a number >= 1');
  if (!Number.isSafeInteger(resolved.handlerTimeoutMs) || resolved.handlerTimeoutMs < 1 || resolved.handlerTimeoutMs > MAX_TIMER_MS) {
    problems.push(`handlerTimeoutMs must be an integer from 1 to ${MAX_TIMER_MS}`);
  }
  if (!Number.isInteger(resolved.handlerAttempts) || resolved.handlerAttempts < 1) problems.push('handlerRetry.maxAttempts must be an integer >= 1');
  for (const [label, backoff] of [['handlerRetry', resolved.handlerBackoff], ['resubscribe', resolved.resubscribeBackoff]] as const) {
    if (!(backoff.initialDelayMs >= 0)) problems.push(`${label}.initialDelayMs must be a number >= 0`);
    if (!(backoff.maxDelayMs >= backoff.initialDelayMs)) problems.push(`${label}.maxDelayMs must be a number >= initialDelayMs`);
  }
  if (problems.length > 0) throw new InvalidConfigurationError('projections', problems.join('; '));
  return resolved;
}

/**
 * Exponential backoff with "equal jitter": at least half the bound, so that many failing consumers
 * never retry in a burst, and spread over the other half.
 */
export function backoffMs(backoff: Backoff, failures: number, random: () => number = Math.random): number {
  const bound = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** Math.max(0, failures - 1));
  return bound / 2 + (random() * bound) / 2;
}
