import { performance } from 'node:perf_hooks';
import type { CommandTimeoutError } from '../errors/command-errors.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { describeValue } from '../errors/describe-value.js';
import { DEADLINES } from './deadline-watch.js';
import { MAX_DELAY_MS } from './retry-policy.js';

/** How long a command may take, sending to settling, unless told otherwise (`commandTimeoutMs`, `timeoutMs`). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

/** A timeout option: a number of ms above 0, at most what `setTimeout` can wait. */
export function checkTimeoutMs(value: unknown, path: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= MAX_DELAY_MS)) {
    throw new InvalidConfigurationError(
      path,
      `expected a number of ms above 0 and at most ${MAX_DELAY_MS} (the longest setTimeout delay), got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * The time one command has, from the moment it is sent. Every stage looks at it: the bus writes
 * nothing once it has passed, the retry loop stops (and retries conflicts until it, rather than a
 * number of times), and the stream queue lets the stream's next command go when it fires.
 */
export class CommandDeadline {
  /** `performance.now()` at which the time is up. */
  readonly at: number;
  /** The last error a retried attempt met: the timeout's `cause`. */
  lastError: unknown;
  #error: CommandTimeoutError | undefined;
  /** The first listener (the stream queue's), then any others: one slot saves a list per command. */
  #listener: (() => void) | undefined;
  #listeners: (() => void)[] | undefined;
  #reject: ((error: unknown) => void) | undefined;

  constructor(
    readonly timeoutMs: number,
    /** Builds the error when the time runs out (it reads the attempt under way then). */
    private readonly timeoutError: (deadline: CommandDeadline) => CommandTimeoutError,
  ) {
    this.at = performance.now() + timeoutMs;
  }

  /** `performance.now()` when the command was sent. */
  get sentAt(): number {
    return this.at - this.timeoutMs;
  }

  /** Ms left (0 once passed). */
  remainingMs(): number {
    return Math.max(0, this.at - performance.now());
  }

  /** True once the time is up, even before the timer has fired (a handler may have blocked the loop). */
  get passed(): boolean {
    return this.#error !== undefined || performance.now() >= this.at;
  }

  /** Throws the timeout error if the time is up: called before each stage that could write or retry. */
  check(): void {
    if (this.passed) throw this.expire();
  }

  /** Calls `listener` once, when the time runs out (at once if it has). */
  onExpire(listener: () => void): void {
    if (this.#error) listener();
    else if (this.#listener === undefined) this.#listener = listener;
    else (this.#listeners ??= []).push(listener);
  }

  /**
   * Settles as `work` settles, or rejects with the timeout error when the time runs out first. A
   * late result is dropped and a late rejection observed (it never surfaces as unhandled).
   */
  bound<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#reject = reject;
      DEADLINES.add(this); // expires it when the time runs out
      let running: Promise<T>;
      try {
        running = work();
      } catch (error) {
        running = Promise.reject(error);
      }
      running.then(
        (value) => {
          DEADLINES.delete(this);
          resolve(value);
        },
        (error: unknown) => {
          DEADLINES.delete(this);
          reject(error);
        },
      );
    });
  }

  /** Marks the time as up (once) and fails the command with the timeout error. */
  expire(): CommandTimeoutError {
    if (this.#error) return this.#error;
    DEADLINES.delete(this);
    const error = (this.#error = this.timeoutError(this));
    this.#reject?.(error);
    const [first, others] = [this.#listener, this.#listeners];
    this.#listener = this.#listeners = undefined;
    first?.();
    for (const listener of others ?? []) listener();
    return error;
  }
}

/** Where a command's deadline rides on its context (interceptors see the context; this stays out of their way). */
export const COMMAND_DEADLINE: unique symbol = Symbol('mneme:command-deadline');

/** The deadline of a command context, if the bus gave it one. */
export function deadlineOf(context: object): CommandDeadline | undefined {
  return (context as { [COMMAND_DEADLINE]?: CommandDeadline })[COMMAND_DEADLINE];
}
