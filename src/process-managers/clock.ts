/** Where process managers read the time (ms since the epoch): inject one in tests so timers fire without waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
