import { performance } from 'node:perf_hooks';

/** What the watch needs of a command's deadline. */
export interface WatchedDeadline {
  /** `performance.now()` at which the time is up. */
  readonly at: number;
  expire(): unknown;
}

/**
 * One timer for every command under way, armed for the earliest of their deadlines, instead of a
 * timer made and cleared per command (setTimeout, clearTimeout and the timer list's upkeep were a
 * visible share of a short command). Like a timer per command, it keeps the process alive while a
 * command is under way and not once none is: it is unreferenced while nothing is watched.
 */
export class DeadlineWatch {
  readonly #watched = new Set<WatchedDeadline>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When `#timer` fires (Infinity when none is armed). */
  #armedAt = Infinity;

  add(deadline: WatchedDeadline): void {
    this.#watched.add(deadline);
    if (deadline.at < this.#armedAt) this.#arm(deadline.at);
    else if (this.#watched.size === 1) this.#timer?.ref?.();
  }

  delete(deadline: WatchedDeadline): void {
    if (this.#watched.delete(deadline) && this.#watched.size === 0) this.#timer?.unref?.();
  }

  /** Deadlines watched (for tests). */
  get size(): number {
    return this.#watched.size;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(at - performance.now())));
  }

  /** Expires every deadline that is due, and arms the timer for the next. */
  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    // A timer counts in whole milliseconds: a deadline less than one away is due, as it was for a
    // timer of its own set to the rounded-up remaining time.
    const due = performance.now() + 1;
    let next = Infinity;
    for (const deadline of this.#watched) {
      if (deadline.at <= due) {
        this.#watched.delete(deadline);
        deadline.expire();
      } else if (deadline.at < next) next = deadline.at;
    }
    if (next < Infinity) this.#arm(next);
  }
}

/** The process's one watch over command deadlines. */
export const DEADLINES = new DeadlineWatch();
