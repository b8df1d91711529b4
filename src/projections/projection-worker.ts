import { deserializeEvent } from '../events/event-serializer.js';
import { ProjectionFailedError, ProjectionRunnerNotRunningError } from '../errors/projection-errors.js';
import type { Logger } from '../logging/logger.js';
import type { EventStore, PositionedEvent } from '../store/event-store.js';
import { comparePositions, type GlobalPosition } from '../store/global-position.js';
import { MnemeTelemetry } from '../telemetry/mneme-telemetry.js';
import { CHECKPOINT_STREAM_PREFIX, type CheckpointStore } from './checkpoint-store.js';
import type { ProjectionDefinition } from './projection-definition.js';
import { backoffDelayMs } from '../commands/backoff.js';
import type { ResolvedProjectionOptions } from './projection-options.js';

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

const STOP = Symbol('stop');
const noop = () => undefined;

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
  #stopping = false;
  #stopSignal!: Promise<typeof STOP>;
  #signalStop: () => void = noop;
  #iterator: AsyncIterator<PositionedEvent> | undefined;

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

  /** Resolves once the checkpoint is loaded and the subscription is on its way. */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    this.#stopping = false;
    this.failure = undefined;
    this.#stopSignal = new Promise((resolve) => (this.#signalStop = () => resolve(STOP)));
    this.position = await this.checkpoints.load(this.name);
    this.#saved = this.position;
    this.#sinceSave = 0;
    this.state = 'running';
    this.logger.info('projection starting', { projection: this.name, from: this.position ? String(this.position.commit) : 'start' });
    this.#timer = setInterval(() => {
      if (this.#sinceSave > 0) void this.#save('interval');
    }, this.options.checkpointMs);
    this.#timer.unref?.();
    this.#loop = this.#run();
  }

  /** Waits for the in-flight handler, closes the subscription and saves the checkpoint. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.#signalStop();
    const current = this.#iterator;
    Promise.resolve()
      .then(() => current?.return?.())
      .catch(noop);
    await this.#loop;
    this.#loop = undefined;
    clearInterval(this.#timer);
    await this.#save('stop');
    if (this.state === 'running') this.state = 'stopped';
    this.#rejectWaiters(new ProjectionRunnerNotRunningError('stopped'));
  }

  /** Resolves when every event written before the call that this projection reads was handled. */
  async catchUp(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.state !== 'running') throw new ProjectionRunnerNotRunningError(this.state === 'idle' ? 'not-started' : 'stopped');
    let target: GlobalPosition | undefined;
    for await (const latest of this.store.readAll({ direction: 'backwards', maxCount: 1, filter: this.definition.filter })) {
      target = latest.position;
    }
    if (target === undefined || this.#reached(target)) return;
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => this.#waiters.push({ target: target!, resolve, reject }));
  }

  async #run(): Promise<void> {
    let drops = 0;
    while (!this.#stopping) {
      let dropped: unknown;
      let iterator: AsyncIterator<PositionedEvent> | undefined;
      try {
        iterator = this.store
          // A store checkpoint moves the position (for catchUp, and the next save) but never calls for
          // a save itself: a save writes an event, whose checkpoint would call for the next save.
          .subscribeToAll({ fromPosition: this.position, filter: this.definition.filter, onCheckpoint: (position) => this.#advance(position, false) })
          [Symbol.asyncIterator]();
        this.#iterator = iterator;
        while (!this.#stopping) {
          const pending = iterator.next();
          pending.catch(noop); // if stop() wins the race, a late failure is of no interest
          const next = await Promise.race([pending, this.#stopSignal]);
          if (next === STOP) break;
          if (next.done) {
            dropped = new Error('the subscription ended');
            break;
          }
          drops = 0;
          await this.#handle(next.value);
        }
      } catch (error) {
        if (error === STOP) break;
        if (error instanceof ProjectionFailedError) {
          this.#fail(error);
          await this.#save('failed'); // just before the failing event
          break;
        }
        dropped = error;
      } finally {
        this.#iterator = undefined;
        const closing = iterator;
        Promise.resolve()
          .then(() => closing?.return?.())
          .catch(noop);
      }
      if (this.#stopping || dropped === undefined) break;
      drops += 1;
      const delayMs = backoffDelayMs(this.options.resubscribeBackoff, drops - 1);
      this.logger.warn('projection subscription dropped; resubscribing from its checkpoint', {
        projection: this.name,
        error: dropped instanceof Error ? dropped.message : String(dropped),
        attempt: drops,
        delayMs: Math.round(delayMs),
      });
      this.#notify(() => this.hooks.resubscribing(this.name, dropped, drops, delayMs));
      await this.#save('resubscribe');
      await this.#sleep(delayMs);
    }
    clearInterval(this.#timer);
  }

  async #handle(recorded: PositionedEvent): Promise<void> {
    const handler = this.definition.handlers.get(recorded.type);
    if (handler) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.telemetry.projection(this.name, recorded, attempt, () => handler.method.call(this.instance, deserializeEvent(recorded), recorded));
          break;
        } catch (error) {
          if (attempt > this.options.handlerRetries) {
            throw new ProjectionFailedError(this.name, recorded.type, recorded.streamName, recorded.revision, recorded.position, attempt, error);
          }
          const delayMs = backoffDelayMs(this.options.handlerBackoff, attempt - 1);
          this.logger.warn('projection handler failed; retrying', {
            projection: this.name,
            handler: handler.name,
            streamName: recorded.streamName,
            revision: String(recorded.revision),
            attempt,
            delayMs: Math.round(delayMs),
            error: error instanceof Error ? error.message : String(error),
          });
          // Stopping abandons the retries: the event stays unhandled, and is handled after a restart.
          if ((await this.#sleep(delayMs)) === STOP) throw STOP;
        }
      }
    }
    // A checkpoint event (seen by a projection whose type prefixes happen to match it) moves the
    // position but does not call for a save: saving it would write the next one, forever.
    this.#advance(recorded.position, !(handler === undefined && recorded.streamName.startsWith(CHECKPOINT_STREAM_PREFIX)));
    if (this.#sinceSave >= this.options.checkpointEvents) await this.#save('events');
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
        await this.checkpoints.save(this.name, position);
        this.#saved = position;
        this.#sinceSave = Math.max(0, this.#sinceSave - counted);
        this.logger.debug('projection checkpoint saved', { projection: this.name, reason, commit: String(position.commit) });
      } catch (error) {
        this.logger.warn('projection checkpoint save failed; will retry', {
          projection: this.name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    });
    return this.#saving;
  }

  #fail(error: ProjectionFailedError): void {
    this.failure = error;
    this.state = 'failed';
    this.logger.error('projection stopped on a failing handler', { projection: this.name, error: error.message });
    this.#rejectWaiters(error);
    this.#notify(() => this.hooks.failed(error));
  }

  #rejectWaiters(error: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /** A listener that throws must not take the worker (or the process) down. */
  #notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error('a projection runner listener threw', { projection: this.name, error: error instanceof Error ? error.message : String(error) });
    }
  }

  #sleep(ms: number): Promise<typeof STOP | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slept = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    return Promise.race([slept, this.#stopSignal]).finally(() => clearTimeout(timer));
  }
}
