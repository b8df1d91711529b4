import { backoffDelayMs } from '../commands/backoff.js';
import { PersistentSubscriptionExistsError } from '../errors/persistent-subscription-errors.js';
import {
  CompetingConsumersUnsupportedError,
  ProjectionRunnerNotRunningError,
  ProjectionTimeoutError,
} from '../errors/projection-errors.js';
import { deserializeEvent } from '../events/event-serializer.js';
import type { Logger } from '../logging/logger.js';
import type { EventStore, PositionedEvent } from '../store/event-store.js';
import { comparePositions, type GlobalPosition } from '../store/global-position.js';
import {
  ALL_STREAM,
  persistentSubscriptionsOf,
  type PersistentMessage,
  type PersistentSubscriptions,
} from '../store/persistent-subscriptions.js';
import { MnemeTelemetry } from '../telemetry/mneme-telemetry.js';
import type { CompetingOptions } from './competing-options.js';
import type { ProjectionDefinition } from './projection-definition.js';
import type { ResolvedProjectionOptions } from './projection-options.js';
import type { AbandonedWork, ProjectionState } from './projection-worker.js';
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

export interface CompetingWorkerHooks {
  resubscribing(projection: string, error: unknown, attempt: number, delayMs: number): void;
  parked(info: ParkedEvent): void;
}

/** An event this instance parked: its handler kept failing through every retry. */
export interface ParkedEvent {
  readonly projection: string;
  readonly group: string;
  readonly eventType: string;
  readonly streamName: string;
  readonly revision: bigint;
  /** Handler calls across deliveries (a redelivery after a crash counts its earlier ones). */
  readonly attempts: number;
  readonly error: unknown;
}

/** Messages one instance holds unacked: what it may prefetch while it handles one. */
const BUFFER_SIZE = 10;
/** How often the group may write its checkpoint (it is what `catchUp()` waits for). */
const CHECKPOINT_AFTER_MS = 1_000;
/** How often `catchUp()` asks the group where its checkpoint is. */
const CATCH_UP_POLL_MS = 50;

/** One message being handled; `handedBack` once this instance left the group over it. */
interface Handling {
  handedBack: boolean;
}

/**
 * Runs one competing projection in this app instance: one consumer of the group its instances
 * share. Each message's handler is called (retried in place with backoff, so that the stream's
 * later events, already buffered behind it, stay behind it), acked when it succeeds, parked when
 * its retries are used up. The group keeps the checkpoint; this worker writes none.
 */
export class CompetingWorker {
  state: ProjectionState = 'idle';
  /** A competing projection never stops on an event: it parks it. */
  readonly failure = undefined;
  /** The last event this instance acked (others handle the rest). */
  position: GlobalPosition | undefined;
  /** Events this instance acked (handled, or of a type it has no handler for), since it was made. */
  acked = 0;
  readonly #competing: CompetingOptions;
  #groups: PersistentSubscriptions | undefined;
  #run: WorkerRun = { stopping: true, abandoned: true, interrupt: undefined };
  #loop: Promise<void> | undefined;
  #inFlight: PositionedEvent | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    readonly definition: ProjectionDefinition & { readonly competing: CompetingOptions },
    private readonly instance: object,
    private readonly store: EventStore,
    private readonly options: ResolvedProjectionOptions,
    private readonly logger: Logger,
    private readonly hooks: CompetingWorkerHooks,
    private readonly telemetry: MnemeTelemetry = MnemeTelemetry.disabled,
  ) {
    this.#competing = definition.competing;
  }

  get name(): string {
    return this.definition.name;
  }

  get group(): string {
    return this.#competing.group;
  }

  /** Finds the store's persistent subscriptions, creates the group unless it exists, and joins it. */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    const groups = persistentSubscriptionsOf(this.store);
    if (!groups) throw new CompetingConsumersUnsupportedError(this.name, this.store.constructor.name);
    this.#groups = groups;
    try {
      await groups.createGroup(ALL_STREAM, this.group, {
        startFrom: 'start',
        filter: this.definition.filter,
        consumerStrategy: this.#competing.strategy,
        messageTimeoutMs: this.#competing.messageTimeoutMs,
        // The server parks what timed out this often too (a consumer that crashes on the event).
        maxRetryCount: this.options.handlerRetries,
        minCheckpointCount: 1,
        checkpointAfterMs: CHECKPOINT_AFTER_MS,
      });
    } catch (error) {
      if (!PersistentSubscriptionExistsError.is(error)) throw error;
    }
    const run: WorkerRun = { stopping: false, abandoned: false, interrupt: undefined };
    this.#run = run;
    this.state = 'running';
    this.logger.info('competing projection joining its group', { projection: this.name, group: this.group });
    this.#loop = this.#runLoop(groups, run);
  }

  /** Waits for the handler in flight (within `handlerTimeoutMs`), then leaves the group: what it held unacked goes to the others. */
  async stop(): Promise<AbandonedWork[]> {
    const loop = this.#loop;
    if (!loop) return [];
    const run = this.#run;
    run.stopping = true;
    run.interrupt?.();
    const abandoned: AbandonedWork[] = [];
    const deadline = timeoutAfter(this.options.handlerTimeoutMs);
    try {
      if ((await Promise.race([loop, deadline.expired])) === TIMED_OUT) run.abandoned = true;
    } finally {
      deadline.cancel();
    }
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
      this.logger.warn(
        'competing projection stopped without waiting for its handler any longer; the group redelivers the event',
        {
          projection: this.name,
          streamName: event.streamName,
          revision: event.revision,
        },
      );
    }
    this.#loop = undefined;
    this.#inFlight = undefined;
    await this.#unsubscribe?.().catch(noop);
    this.#unsubscribe = undefined;
    if (this.state === 'running') this.state = 'stopped';
    return abandoned;
  }

  /**
   * Resolves when the group's checkpoint reaches the last event of the log this projection reads
   * (written before the call): every one of them was acked or parked, by some instance of the group.
   */
  async catchUp(): Promise<void> {
    if (this.state !== 'running' || !this.#groups)
      throw new ProjectionRunnerNotRunningError(this.state === 'idle' ? 'not-started' : 'stopped');
    let target: GlobalPosition | undefined;
    for await (const latest of this.store.readAll({
      direction: 'backwards',
      maxCount: 1,
      filter: this.definition.filter,
    }))
      target = latest.position;
    if (target === undefined) return;
    const run = this.#run;
    for (;;) {
      const info = await this.#groups.getGroupInfo(ALL_STREAM, this.group);
      const checkpoint = info.lastCheckpoint;
      if (typeof checkpoint === 'object' && comparePositions(checkpoint, target) >= 0) return;
      // A plain wait: the run's interrupt belongs to the loop's own waits.
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
      if (run.stopping || this.#run !== run) throw new ProjectionRunnerNotRunningError('stopped');
    }
  }

  /** The group's parked messages, not yet replayed. */
  async parkedCount(): Promise<number> {
    const info = await this.#requireGroups().getGroupInfo(ALL_STREAM, this.group);
    return Number(info.parkedMessageCount);
  }

  /** Sends the group's parked messages back into delivery (each with its retries renewed). */
  replayParked(): Promise<void> {
    return this.#requireGroups().replayParkedMessages(ALL_STREAM, this.group);
  }

  #requireGroups(): PersistentSubscriptions {
    const groups = this.#groups ?? persistentSubscriptionsOf(this.store);
    if (!groups) throw new CompetingConsumersUnsupportedError(this.name, this.store.constructor.name);
    return groups;
  }

  async #runLoop(groups: PersistentSubscriptions, run: WorkerRun): Promise<void> {
    let drops = 0;
    while (!run.stopping) {
      const subscription = groups.subscribe(ALL_STREAM, this.group, { bufferSize: BUFFER_SIZE });
      const iterator = subscription[Symbol.asyncIterator]();
      this.#unsubscribe = () => subscription.unsubscribe();
      let dropped: unknown;
      let handedBack = false;
      try {
        while (!run.stopping) {
          const pending = iterator.next();
          pending.catch(noop);
          const next = await interruptible(run, pending);
          if (next === STOP) break;
          if (next.done) {
            dropped = new Error('the persistent subscription ended');
            break;
          }
          drops = 0;
          if ((await this.#handleInTime(run, next.value, () => subscription.unsubscribe())) === 'handed-back') {
            handedBack = true;
            break;
          }
        }
      } catch (error) {
        if (error === STOP) break;
        dropped = error;
      }
      if (handedBack) continue; // joins again: its handler has settled
      // Stopping leaves the group in stop(), after the handler in flight; a drop leaves it now.
      if (run.stopping || dropped === undefined) break;
      await subscription.unsubscribe().catch(noop);
      drops += 1;
      const delayMs = backoffDelayMs(this.options.resubscribeBackoff, drops - 1);
      this.logger.warn('competing projection consumer dropped; joining the group again', {
        projection: this.name,
        group: this.group,
        error: dropped,
        attempt: drops,
        delayMs: Math.round(delayMs),
      });
      notifyListener(this.logger, this.name, () => this.hooks.resubscribing(this.name, dropped, drops, delayMs));
      await sleepInterruptibly(run, delayMs);
    }
  }

  /**
   * Handles one message; when its handler is still running once the group's message timeout has
   * passed, this instance leaves the group, so that the group hands everything it holds unacked to
   * the others at once (under Pinned the server would give a timed-out message back to this
   * instance, still connected, and park what waits behind the hung handler after its retries). It
   * waits for the handler call to settle, acks nothing, and joins again.
   */
  async #handleInTime(
    run: WorkerRun,
    message: PersistentMessage,
    leave: () => Promise<void>,
  ): Promise<'handled' | 'handed-back'> {
    const handling: Handling = { handedBack: false };
    const work = this.#handle(run, message, handling);
    work.catch(noop);
    const late = timeoutAfter(this.#competing.messageTimeoutMs);
    try {
      if ((await Promise.race([work, late.expired])) !== TIMED_OUT) return 'handled';
    } finally {
      late.cancel();
    }
    handling.handedBack = true;
    this.logger.warn(
      'competing projection handler still running after the message timeout; leaving the group so that the others take its events',
      {
        projection: this.name,
        group: this.group,
        streamName: message.event.streamName,
        revision: message.event.revision,
        messageTimeoutMs: this.#competing.messageTimeoutMs,
      },
    );
    await leave().catch(noop);
    await work;
    this.#inFlight = undefined;
    return 'handed-back';
  }

  async #handle(run: WorkerRun, message: PersistentMessage, handling: Handling): Promise<void> {
    const recorded: PositionedEvent = { ...message.event, position: message.position ?? { commit: 0n, prepare: 0n } };
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
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- STOP is the worker's own signal, caught in #runLoop
          if (run.abandoned) throw STOP;
          if (handling.handedBack) return; // another instance has it now: no retry here, no park
          const calls = message.retryCount + attempt;
          if (calls > this.options.handlerRetries) {
            await message.nack('park', error instanceof Error ? error.message : String(error));
            this.#inFlight = undefined;
            this.logger.error('competing projection parked an event its handler kept failing on', {
              projection: this.name,
              group: this.group,
              handler: handler.name,
              streamName: recorded.streamName,
              revision: recorded.revision,
              attempts: calls,
              error,
            });
            notifyListener(this.logger, this.name, () =>
              this.hooks.parked({
                projection: this.name,
                group: this.group,
                eventType: recorded.type,
                streamName: recorded.streamName,
                revision: recorded.revision,
                attempts: calls,
                error,
              }),
            );
            return;
          }
          const delayMs = backoffDelayMs(this.options.handlerBackoff, attempt - 1);
          this.logger.warn('competing projection handler failed; retrying', {
            projection: this.name,
            handler: handler.name,
            streamName: recorded.streamName,
            revision: recorded.revision,
            attempt: calls,
            delayMs: Math.round(delayMs),
            error,
          });
          // Stopping abandons the retries: the event is not acked, and the group delivers it again.
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- STOP is the worker's own signal, caught in #runLoop
          if ((await sleepInterruptibly(run, delayMs)) === STOP) throw STOP;
          if (handling.handedBack) return;
        }
      }
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a handler stop() gave up on: left unacked
      if (run.abandoned) throw STOP;
      if (handling.handedBack) return;
    }
    await message.ack();
    this.#inFlight = undefined;
    this.acked += 1;
    if (this.position === undefined || comparePositions(recorded.position, this.position) > 0)
      this.position = recorded.position;
  }

  /** One handler call, bounded by `handlerTimeoutMs` when it returns a promise. */
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
}
