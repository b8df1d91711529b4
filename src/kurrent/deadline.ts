/**
 * Mneme's own deadline for client calls that have none: the client sends no deadline with its
 * server-features probe (which every first append awaits), waits for BatchAppend replies without a
 * timer, and reads through a native bridge that takes no deadline at all.
 */

/** The longest wait `setTimeout` can arm (2^31-1 ms); above it Node fires at once. */
export const MAX_DEADLINE_MS = 2 ** 31 - 1;

/** Thrown (and only ever caught by the store) when a deadline passes first. */
export class DeadlinePassed extends Error {
  constructor(readonly deadlineMs: number) {
    super(`no answer within ${deadlineMs} ms`);
  }
}

/**
 * Settles like `work`, or rejects with DeadlinePassed after `deadlineMs`. The abandoned work keeps
 * a rejection handler, so its late failure can never become an unhandled rejection.
 */
export function withDeadline<T>(work: Promise<T>, deadlineMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlinePassed(deadlineMs)), deadlineMs);
    work.then(
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

/**
 * The items of `source`, each awaited for at most `deadlineMs` (a slow consumer never counts).
 * When the deadline passes, the source iterator is told to stop (without waiting for it: a stuck
 * iterator only stops once its pending step settles) and DeadlinePassed is thrown.
 * One timer per read, re-armed per item: a timer per item would cost more than the read itself.
 */
export async function* eachWithin<T>(source: AsyncIterable<T>, deadlineMs: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let expire: (() => void) | undefined;
  const timer = setTimeout(() => expire?.(), deadlineMs);
  let finished = false;
  try {
    while (true) {
      timer.refresh();
      const step = await new Promise<IteratorResult<T>>((resolve, reject) => {
        expire = () => reject(new DeadlinePassed(deadlineMs));
        // A step that settles after the deadline settles nothing; the handler keeps it from going unhandled.
        iterator.next().then(resolve, reject);
      });
      expire = undefined;
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } catch (error) {
    finished = true; // the source threw (it is done), or it is stuck and told to stop below
    if (error instanceof DeadlinePassed) void iterator.return?.().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
    // The consumer stopped early (break, return, or an error while handling an item).
    if (!finished) await iterator.return?.();
  }
}
