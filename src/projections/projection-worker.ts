import { deserializeEvent } from '../events/event-serializer.js';
import {
  CheckpointAheadOfLogError,
  ProjectionFailedError,
  ProjectionRunnerNotRunningError,
  ProjectionTimeoutError,
  type ProjectionTimeoutOperation,
} from '../errors/projection-errors.js';
import type { Logger } from '../logging/logger.js';
import type { EventStore, PositionedEvent } from '../store/event-store.js';
import { comparePositions, type GlobalPosition } from '../store/global-position.js';
import { MnemeTelemetry } from '../telemetry/mneme-telemetry.js';
import { CHECKPOINT_STREAM_PREFIX, type CheckpointStore } from './checkpoint-store.js';
import type { ProjectionDefinition } from './projection-definition.js';
import { backoffDelayMs } from '../commands/backoff.js';
import type { ResolvedProjectionOptions } from './projection-options.js';
import {
  boundedBy,
  interruptible,
  noop,
  notifyListener,
  sleepInterruptibly,
  STOP,
  TIMED_OUT,
  timeoutAfter,
  type WorkerRun,
} from './worker-run.js';
import { isThenable } from '../options/option-checks.js';

export type ProjectionState = 'idle' | 'running' | 'failed' | 'stopped';

export interface WorkerHooks {
  failed(error: ProjectionFailedError): void;
  resubscribing(projection: string, error: unknown, attempt: number, delayMs: number): void;
}

interface Waiter {
  readonly target: GlobalPosition;
  resolve(): void;
  reject(error: Error): void;
}

/** What `stop()` did not wait for any longer: it returns within `handlerTimeoutMs` whatever runs. */
export interface AbandonedWork {
  readonly projection: string;
  /** `handler`: the event was not handled (it is delivered again after a restart); `checkpoint`: the last position was not saved. */
  readonly kind: 'handler' | 'checkpoint';
  /** The event whose handler was still running (for `handler`). */
  readonly event?: {
    readonly eventType: string;
    readonly streamName: string;
    readonly revision: bigint;
    readonly position: GlobalPosition;
  };
  /** The position that was not saved (for `checkpoint`). */
  readonly position?: GlobalPosition;
}

/**
 * Runs one projection: loads its checkpoint, subscribes from it, hands each event to its handler
 * (one at a time, in log order), checkpoints every N events or T ms, resubscribes when the
 * subscription drops, and stops on an event its handler keeps failing on.
 */
export class ProjectionWorker {
  state: ProjectionState = 'idle';
  failure: ProjectionFailedError | undefined;
  /** The last event handled (or looked past): where a resubscription resumes. */
  position: GlobalPosition | undefined;
  #saved: GlobalPosition | undefined;
  #sinceSave = 0;
  #waiters: Waiter[] = [];
  #saving: Promise<void> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #run: WorkerRun = { stopping: true, abandoned: true, interrupt: undefined };
  #iterator: AsyncIterator<PositionedEvent> | undefined;
  /** The event whose handler is running, for stop()'s report. */
  #inFlight: PositionedEvent | undefined;

  constructor(
    readonly definition: ProjectionDefinition,
    private readonly instance: object,
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly options: ResolvedProjectionOptions,
    private readonly logger: Logger,
    private readonly hooks: WorkerHooks,
    private readonly telemetry: MnemeTelemetry = MnemeTelemetry.disabled,
  ) {}

  get name(): string {
    return this.definition.name;
  }

  /** Resolves once the checkpoint is loaded (and found within the log) and the subscription is on its way. */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    const run: WorkerRun = { stopping: false, abandoned: false, interrupt: undefined };
    this.#run = run;
    this.failure = undefined;
    let loaded: GlobalPosition | undefined;
    try {
      loaded = await this.#within(this.checkpoints.load(this.name), 'checkpoint-load');
      if (loaded !== undefined) await this.#checkWithinLog(loaded);
    } catch (error) {
      run.stopping = true;
      throw error;
    }
    this.position = loaded;
    this.#saved = this.position;
    this.#sinceSave = 0;
    this.state = 'running';
    this.logger.info('projection starting', {
      projection: this.name,
      from: this.position ? String(this.position.commit) : 'start',
    });
    this.#timer = setInterval(() => {
      if (this.#sinceSave > 0) void this.#save('interval');
    }, this.options.checkpointMs);
    this.#timer.unref?.();
    this.#loop = this.#runLoop(run);
  }

  /**
   * Waits for the in-flight handler, closes the subscription and saves the checkpoint, all within
   * `handlerTimeoutMs`; reports what it stopped waiting for.
   */
  async stop(): Promise<AbandonedWork[]> {
    const loop = this.#loop;
    if (!loop) return [];
    const run = this.#run;
    run.stopping = true;
    run.interrupt?.();
    const current = this.#iterator;
    Promise.resolve()
      .then(() => current?.return?.())
      .catch(noop);
    const abandoned: AbandonedWork[] = [];
    const deadline = timeoutAfter(this.options.handlerTimeoutMs);
    try {
      // A handler still running at the deadline, or whose retries the stop cut short: its event was not handled.
      if ((await Promise.race([loop, deadline.expired])) === TIMED_OUT) run.abandoned = true;
      const event = this.#inFlight;
      if (event !== undefined) {
        abandoned.push({
          projection: this.name,
          kind: 'handler',
          event: {
            eventType: event.type,
            streamName: event.streamName,
            revision: event.revision,
            position: event.position,
          },
        });
      }
      this.#loop = undefined;
      this.#inFlight = undefined;
      clearInterval(this.#timer);
      const unsaved = this.position;
      if ((await Promise.race([this.#save('stop'), deadline.expired])) === TIMED_OUT) {
        abandoned.push({ projection: this.name, kind: 'checkpoint', ...(unsaved ? { position: unsaved } : {}) });
      }
    } finally {
      deadline.cancel();
    }
    if (this.state === 'running') this.state = 'stopped';
    this.#rejectWaiters(new ProjectionRunnerNotRunningError('stopped'));
    for (const work of abandoned) {
      this.logger.warn(
        work.kind === 'handler'
          ? 'projection stopped without waiting for its handler any longer; the event is handled again after a restart'
          : 'projection stopped without waiting for its checkpoint save any longer; events since the last saved checkpoint are handled again after a restart',
        { ...work, timeoutMs: this.options.handlerTimeoutMs },
      );
    }
    return abandoned;
  }

  /** Resolves when every event written before the call that this projection reads was handled. */
  async catchUp(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.state !== 'running')
      throw new ProjectionRunnerNotRunningError(this.state === 'idle' ? 'not-started' : 'stopped');
    let target: GlobalPosition | undefined;
    for await (const latest of this.store.readAll({
      direction: 'backwards',
      maxCount: 1,
      filter: this.definition.filter,
    })) {
      target = latest.position;
    }
    if (target === undefined || this.#reached(target)) return;
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- set while we awaited: TS narrows it to never
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => this.#waiters.push({ target: target!, resolve, reject }));
  }

  async #runLoop(run: WorkerRun): Promise<void> {
    let drops = 0;
    while (!run.stopping) {
      let dropped: unknown;
      let iterator: AsyncIterator<PositionedEvent> | undefined;
      try {
        iterator = this.store
          // A store checkpoint moves the position (for catchUp, and the next save) but never calls for
          // a save itself: a save writes an event, whose checkpoint would call for the next save.
          .subscribeToAll({
            fromPosition: this.position,
            filter: this.definition.filter,
            onCheckpoint: (position) => {
              if (!run.abandoned) this.#advance(position, false);
            },
          })
          [Symbol.asyncIterator]();
        this.#iterator = iterator;
        while (!run.stopping) {
          const pending = iterator.next();
          pending.catch(noop); // if stop() wins the race, a late failure is of no interest
          const next = await interruptible(run, pending);
          if (next === STOP) break;
          if (next.done) {
            dropped = new Error('the subscription ended');
            break;
          }
          drops = 0;
          await this.#handle(run, next.value);
        }
      } catch (error) {
        if (error === STOP) break;
        if (error instanceof ProjectionFailedError && !run.abandoned) {
          this.#fail(error);
          await this.#save('failed'); // just before the failing event
          break;
        }
        dropped = error;
      } finally {
        if (this.#iterator === iterator) this.#iterator = undefined;
        const closing = iterator;
        Promise.resolve()
          .then(() => closing?.return?.())
          .catch(noop);
      }
      if (run.stopping || dropped === undefined) break;
      drops += 1;
      const delayMs = backoffDelayMs(this.options.resubscribeBackoff, drops - 1);
      this.logger.warn('projection subscription dropped; resubscribing from its checkpoint', {
        projection: this.name,
        error: dropped,
        attempt: drops,
        delayMs: Math.round(delayMs),
      });
      notifyListener(this.logger, this.name, () => this.hooks.resubscribing(this.name, dropped, drops, delayMs));
      await this.#save('resubscribe');
      await sleepInterruptibly(run, delayMs);
    }
    if (this.#run === run) clearInterval(this.#timer);
  }

  async #handle(run: WorkerRun, recorded: PositionedEvent): Promise<void> {
    const handler = this.definition.handlers.get(recorded.type);
    if (handler) {
      this.#inFlight = recorded;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#callHandler(recorded, attempt, () =>
            handler.method.call(this.instance, deserializeEvent(recorded), recorded),
          );
          break;
        } catch (error) {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- STOP is the worker's own signal, caught in #run
          if (run.abandoned) throw STOP;
          if (attempt > this.options.handlerRetries) {
            throw new ProjectionFailedError(
              this.name,
              recorded.type,
              recorded.streamName,
              recorded.revision,
              recorded.position,
              attempt,
              error,
            );
          }
          const delayMs = backoffDelayMs(this.options.handlerBackoff, attempt - 1);
          this.logger.warn('projection handler failed; retrying', {
            projection: this.name,
            handler: handler.name,
            streamName: recorded.streamName,
            revision: recorded.revision,
            attempt,
            delayMs: Math.round(delayMs),
            error,
          });
          // Stopping abandons the retries: the event stays unhandled, and is handled after a restart.
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- STOP is the worker's own signal, caught in #run
          if ((await sleepInterruptibly(run, delayMs)) === STOP) throw STOP;
        }
      }
      // A handler that finished after stop() gave up on it: its event is handled again after a restart.
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- STOP is the worker's own signal, caught in #run
      if (run.abandoned) throw STOP;
      this.#inFlight = undefined;
    }
    // A checkpoint event (seen by a projection whose type prefixes happen to match it) moves the
    // position but does not call for a save: saving it would write the next one, forever.
    this.#advance(
      recorded.position,
      !(handler === undefined && recorded.streamName.startsWith(CHECKPOINT_STREAM_PREFIX)),
    );
    if (this.#sinceSave >= this.options.checkpointEvents) await this.#save('events');
  }

  /**
   * One handler call, bounded by `handlerTimeoutMs` when it returns a promise (a synchronous
   * handler has settled by the time it returns). A late rejection of an abandoned call is observed.
   */
  #callHandler(recorded: PositionedEvent, attempt: number, call: () => unknown): unknown {
    const result = this.telemetry.projection(this.name, recorded, attempt, call);
    if (!isThenable(result)) return result;
    return boundedBy(
      Promise.resolve(result),
      this.options.handlerTimeoutMs,
      () =>
        new ProjectionTimeoutError(this.name, 'handler', this.options.handlerTimeoutMs, {
          eventType: recorded.type,
          streamName: recorded.streamName,
          revision: recorded.revision,
        }),
    );
  }

  /** A checkpoint store call, bounded by `handlerTimeoutMs`. */
  #within<T>(call: Promise<T>, operation: ProjectionTimeoutOperation): Promise<T> {
    return boundedBy(
      Promise.resolve(call),
      this.options.handlerTimeoutMs,
      () => new ProjectionTimeoutError(this.name, operation, this.options.handlerTimeoutMs),
    );
  }

  /** A checkpoint past the end of the log: the store was reset, and following from it would skip events. */
  async #checkWithinLog(checkpoint: GlobalPosition): Promise<void> {
    let head: GlobalPosition | undefined;
    if (this.store.headPosition) {
      head = await this.store.headPosition();
    } else {
      for await (const latest of this.store.readAll({ direction: 'backwards', maxCount: 1 })) head = latest.position;
    }
    if (head === undefined || comparePositions(checkpoint, head) > 0)
      throw new CheckpointAheadOfLogError(this.name, checkpoint, head);
  }

  #advance(position: GlobalPosition, counts = true): void {
    if (this.position && comparePositions(position, this.position) <= 0) return;
    this.position = position;
    if (counts) this.#sinceSave += 1;
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!this.#reached(waiter.target)) return true;
      waiter.resolve();
      return false;
    });
  }

  #reached(target: GlobalPosition): boolean {
    return this.position !== undefined && comparePositions(this.position, target) >= 0;
  }

  /** Saves are serialised; a failed save is logged and retried at the next one (at-least-once still holds). */
  #save(reason: string): Promise<void> {
    this.#saving = this.#saving.then(async () => {
      const position = this.position;
      if (!position || (this.#saved && comparePositions(position, this.#saved) <= 0)) return;
      const counted = this.#sinceSave;
      try {
        await this.#within(this.checkpoints.save(this.name, position), 'checkpoint-save');
        this.#saved = position;
        this.#sinceSave = Math.max(0, this.#sinceSave - counted);
        this.logger.debug('projection checkpoint saved', { projection: this.name, reason, position });
      } catch (error) {
        this.logger.warn('projection checkpoint save failed; will retry', { projection: this.name, position, error });
      }
    });
    return this.#saving;
  }

  #fail(error: ProjectionFailedError): void {
    this.#inFlight = undefined;
    this.failure = error;
    this.state = 'failed';
    this.logger.error('projection stopped on a failing handler', { projection: this.name, error: error.message });
    this.#rejectWaiters(error);
    notifyListener(this.logger, this.name, () => this.hooks.failed(error));
  }

  #rejectWaiters(error: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}
