import type { BackoffSchedule } from '../commands/backoff.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';

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
}

export interface ResolvedProjectionOptions {
  readonly checkpointEvents: number;
  readonly checkpointMs: number;
  /** Retries of a throwing handler after its first call. */
  readonly handlerRetries: number;
  readonly handlerBackoff: BackoffSchedule;
  readonly resubscribeBackoff: BackoffSchedule;
}

/** Projections back off with equal jitter (at least half the bound), doubling per failure. */
const schedule = (initialDelayMs: number, maxDelayMs: number): BackoffSchedule => ({ initialDelayMs, maxDelayMs, backoffFactor: 2, jitter: 'equal' });

export function resolveProjectionOptions(options: ProjectionRunnerOptions = {}): ResolvedProjectionOptions {
  const retry = options.handlerRetry;
  const resolved = {
    checkpointEvents: options.checkpointEvery?.events ?? 100,
    checkpointMs: options.checkpointEvery?.ms ?? 1000,
    handlerRetries: retry?.maxRetries ?? (retry?.maxAttempts === undefined ? 4 : retry.maxAttempts - 1),
    handlerBackoff: schedule(retry?.initialDelayMs ?? 100, retry?.maxDelayMs ?? 5000),
    resubscribeBackoff: schedule(options.resubscribe?.initialDelayMs ?? 100, options.resubscribe?.maxDelayMs ?? 10_000),
  };
  const problems: string[] = [];
  if (!Number.isInteger(resolved.checkpointEvents) || resolved.checkpointEvents < 1) problems.push('checkpointEvery.events must be an integer >= 1');
  if (!(resolved.checkpointMs >= 1)) problems.push('checkpointEvery.ms must be a number >= 1');
  if (retry?.maxRetries !== undefined && !(Number.isSafeInteger(retry.maxRetries) && retry.maxRetries >= 0)) {
    problems.push('handlerRetry.maxRetries must be an integer >= 0 (retries after the first call)');
  }
  if (retry?.maxAttempts !== undefined) {
    if (!(Number.isSafeInteger(retry.maxAttempts) && retry.maxAttempts >= 1)) {
      problems.push('handlerRetry.maxAttempts (deprecated: use maxRetries, one less) must be an integer >= 1');
    } else if (retry.maxRetries !== undefined && retry.maxRetries !== retry.maxAttempts - 1) {
      problems.push(`handlerRetry.maxAttempts ${retry.maxAttempts} and maxRetries ${retry.maxRetries} disagree (maxAttempts is maxRetries + 1); give maxRetries only`);
    }
  }
  for (const [label, backoff] of [['handlerRetry', resolved.handlerBackoff], ['resubscribe', resolved.resubscribeBackoff]] as const) {
    if (!(backoff.initialDelayMs >= 0)) problems.push(`${label}.initialDelayMs must be a number >= 0`);
    if (!(backoff.maxDelayMs >= backoff.initialDelayMs)) problems.push(`${label}.maxDelayMs must be a number >= initialDelayMs`);
  }
  if (problems.length > 0) throw new InvalidConfigurationError('projections', problems.join('; '));
  return resolved;
}
