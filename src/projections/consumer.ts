import type { ProjectionDefinition } from './projection-definition.js';

/**
 * The hook through which consumers built above this room (process managers) run in a
 * `ProjectionRunner`: an object carrying `[CONSUMER]` brings its own compiled definition and the
 * instance its handlers are called on, plus optional lifecycle steps the runner calls around its
 * worker (after the worker started, around each catchUp, after it stopped).
 */
export const CONSUMER = Symbol.for('mneme:consumer');

export interface ConsumerHooks {
  readonly definition: ProjectionDefinition;
  readonly instance: object;
  start?(): Promise<void>;
  /**
   * Replaces the runner's `catchUp()` of this consumer; `workerCaughtUp` is the worker's own (a
   * process manager also fires the timers due by then, and waits for their handling).
   */
  catchUp?(workerCaughtUp: () => Promise<void>): Promise<void>;
  stop?(): Promise<void>;
}

export interface Consumer {
  readonly [CONSUMER]: ConsumerHooks;
}

export function consumerHooksOf(instance: object): ConsumerHooks | undefined {
  return (instance as Partial<Consumer>)[CONSUMER];
}
