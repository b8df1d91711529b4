import type { Logger } from '../logging/logger.js';

/** The signal a worker's waits answer with once its run is stopped. */
export const STOP = Symbol('stop');
/** What `timeoutAfter(...).expired` resolves with. */
export const TIMED_OUT = Symbol('timed out');

export const noop = (): undefined => undefined;

/**
 * One start()..stop() of a worker (catch-up or competing). A loop left behind by a stop() that
 * stopped waiting for it keeps its own (stopped) run, so it never acts on the next one's state.
 */
export interface WorkerRun {
  stopping: boolean;
  /** stop() returned without waiting for this run's loop: whatever it finishes later changes nothing. */
  abandoned: boolean;
  /** Ends the one wait the loop is in (the next event, a backoff), if it is in one. */
  interrupt: (() => void) | undefined;
}

/**
 * `promise`, or STOP as soon as the run is stopped. Each wait gets its own interrupt, dropped when
 * it settles: nothing accumulates on a promise that lives as long as the run (a leak of one
 * reaction per event, when every `next()` was raced against one stop promise).
 */
export function interruptible<T>(run: WorkerRun, promise: Promise<T>): Promise<T | typeof STOP> {
  if (run.stopping) return Promise.resolve(STOP);
  return new Promise<T | typeof STOP>((resolve, reject) => {
    const interrupt = () => resolve(STOP);
    run.interrupt = interrupt;
    promise.then(
      (value) => {
        if (run.interrupt === interrupt) run.interrupt = undefined;
        resolve(value);
      },
      (error: unknown) => {
        if (run.interrupt === interrupt) run.interrupt = undefined;
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or answers STOP as soon as the run is stopped. */
export function sleepInterruptibly(run: WorkerRun, ms: number): Promise<typeof STOP | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slept = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return interruptible(run, slept).finally(() => clearTimeout(timer));
}

/** A timer that resolves `expired` with TIMED_OUT; cancel() clears it. */
export function timeoutAfter(ms: number): { expired: Promise<typeof TIMED_OUT>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  return { expired, cancel: () => clearTimeout(timer) };
}

/**
 * Settles as `promise` does, or rejects with `timedOut()` after `ms`. A late rejection of the
 * abandoned promise is observed (it never surfaces as unhandled).
 */
export function boundedBy<T>(promise: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  promise.catch(noop);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Calls a runner listener; one that throws must not take the worker (or the process) down. */
export function notifyListener(logger: Logger, projection: string, call: () => void): void {
  try {
    call();
  } catch (error) {
    logger.error('a projection runner listener threw', {
      projection,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
