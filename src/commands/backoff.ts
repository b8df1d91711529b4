/**
 * One backoff schedule, the same shape everywhere Mneme waits before trying again: command
 * conflicts, transient store faults, projection handler retries, projection resubscriptions.
 */
export interface BackoffSchedule {
  /** Upper bound of the first retry's delay. */
  readonly initialDelayMs: number;
  /** No delay is drawn above this. */
  readonly maxDelayMs: number;
  /** Growth of the delay bound per retry. */
  readonly backoffFactor: number;
  /**
   * `full` (the default): drawn from [0, bound]. `equal`: from [bound/2, bound], so that many
   * failing consumers never come back in a burst (projections use it).
   */
  readonly jitter?: 'full' | 'equal';
}

/**
 * The one backoff function: exponential with jitter. The bound before retry `retry` (0 for the first
 * retry) is `min(maxDelayMs, initialDelayMs * backoffFactor^retry)`; the delay is drawn uniformly
 * from [0, bound] (full jitter) or [bound/2, bound] (equal jitter).
 */
export function backoffDelayMs(schedule: BackoffSchedule, retry: number, random: () => number = Math.random): number {
  const bound = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * schedule.backoffFactor ** retry);
  return schedule.jitter === 'equal' ? bound / 2 + (random() * bound) / 2 : random() * bound;
}

/** Aging never divides a delay by more than this: past 4 x agingMs it stays a quarter of the draw. */
export const MAX_AGING_SHRINK = 4;

/**
 * Aging: the bound of a conflict delay is scaled by `agingMs / age` once a command has waited
 * `agingMs`, down to a quarter, so that an old command retries sooner than the new ones it races
 * (without it, the commands that lost a race wait as long as any and keep losing to fresh
 * arrivals). The floor keeps a stream where every command is old from retrying without pause.
 */
export function agedDelayMs(delayMs: number, ageMs: number, agingMs: number): number {
  if (ageMs <= agingMs) return delayMs;
  return delayMs * Math.max(agingMs / ageMs, 1 / MAX_AGING_SHRINK);
}
