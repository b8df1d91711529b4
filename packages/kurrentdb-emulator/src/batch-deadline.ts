/** BatchAppend deadlines: each request's options carry one (a Duration, or the 21.10 Timestamp). */
import type { BatchAppendReq } from './protocol.js';

/** Milliseconds left before the request's deadline; Infinity when it carries none. */
export function timeLeftMs(options: BatchAppendReq.Options, now = Date.now()): number {
  const duration = options.hasDeadline() ? options.getDeadline() : undefined;
  if (duration) return duration.getSeconds() * 1000 + duration.getNanos() / 1e6;
  const timestamp = options.hasDeadline21100() ? options.getDeadline21100() : undefined;
  if (timestamp) return timestamp.toDate().getTime() - now;
  return Infinity;
}

// setTimeout fires at once for delays above 2^31-1 ms; such deadlines never fire in a test run.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `onExpired` when the deadline passes, unless cancelled first. */
export function deadlineTimer(timeLeft: number, onExpired: () => void): () => void {
  if (!Number.isFinite(timeLeft) || timeLeft > MAX_TIMER_MS) return () => undefined;
  const timer = setTimeout(onExpired, timeLeft);
  return () => clearTimeout(timer);
}
