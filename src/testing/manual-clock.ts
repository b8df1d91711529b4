import type { Clock } from '../process-managers/clock.js';

/** A clock that moves only when told: give it to `mnemeModule({ clock })` and timers fire without waiting. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: Date | number = 0) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  /** Moves the time forward by `ms`. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance(ms) needs ms >= 0, got ${String(ms)}`);
    this.#now += ms;
  }

  set(time: Date | number): void {
    this.#now = typeof time === 'number' ? time : time.getTime();
  }
}
