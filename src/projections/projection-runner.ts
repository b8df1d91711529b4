import {
  InvalidProjectionError,
  ProjectionNotCompetingError,
  ProjectionRunnerNotRunningError,
  type ProjectionFailedError,
} from '../errors/projection-errors.js';
import { Logger, silentLogger } from '../logging/logger.js';
import { safeLogger } from '../logging/safe-logger.js';
import type { EventStore } from '../store/event-store.js';
import type { GlobalPosition } from '../store/global-position.js';
import { MnemeTelemetry } from '../telemetry/mneme-telemetry.js';
import { CheckpointStore, EventStoreCheckpointStore } from './checkpoint-store.js';
import { CompetingWorker, type ParkedEvent } from './competing-worker.js';
import { consumerHooksOf, type ConsumerHooks } from './consumer.js';
import { projectionDefinition } from './projection-definition.js';
import { resolveProjectionOptions, type ProjectionRunnerOptions } from './projection-options.js';
import { ProjectionWorker, type AbandonedWork, type ProjectionState } from './projection-worker.js';

export interface ProjectionRunnerConfig extends ProjectionRunnerOptions {
  /** Default: an `EventStoreCheckpointStore` on the same event store. */
  checkpointStore?: CheckpointStore;
  /** Default: silent. */
  logger?: Logger;
  /** A `mneme.projection` span per handler call; default: the global OpenTelemetry providers. */
  telemetry?: MnemeTelemetry;
}

/** What the runner's config holds beside its `ProjectionRunnerOptions`. */
const RUNNER_CONFIG_KEYS: readonly string[] = ['checkpointStore', 'logger', 'telemetry'] satisfies Exclude<
  keyof ProjectionRunnerConfig,
  keyof ProjectionRunnerOptions
>[];

export interface ProjectionStatus {
  readonly name: string;
  readonly state: ProjectionState;
  /** The last event handled (or looked past); undefined before the first. */
  readonly position: GlobalPosition | undefined;
  readonly error: ProjectionFailedError | undefined;
  /** `'catch-up'`, or `'competing'` (one consumer of `group`; `position` is the last event this instance acked). */
  readonly mode: 'catch-up' | 'competing';
  /** The group, in competing mode. */
  readonly group?: string;
  /** Competing mode: the events this instance acked since the runner was made (its share of the group's work). */
  readonly acked?: number;
}

/** What `stop()` did not wait for: handlers still running and checkpoints not saved within `handlerTimeoutMs`. */
export interface ProjectionStopReport {
  /** Empty when every handler finished and every checkpoint was saved. */
  readonly abandoned: readonly AbandonedWork[];
}

/** What the runner reports to listeners; a listener that throws is logged and ignored. */
export interface ProjectionRunnerEvents {
  /** A projection stopped on an event its handler kept failing on. The others go on. */
  failed: (error: ProjectionFailedError) => void;
  /** A projection's subscription dropped; it resubscribes from its checkpoint after `delayMs`. */
  resubscribing: (info: { projection: string; error: unknown; attempt: number; delayMs: number }) => void;
  /** A competing projection parked an event its handler kept failing on; the rest flows on. */
  parked: (info: ParkedEvent) => void;
}

/**
 * Runs projections: each one catches up from its last checkpoint, then follows new events. Delivery
 * is at least once, in log order (so in order per stream); checkpoints are saved every N events or
 * T ms, on stop, and before a resubscription.
 */
export class ProjectionRunner {
  readonly #workers: (ProjectionWorker | CompetingWorker)[];
  /** Consumers that brought their own definition and lifecycle (process managers), by worker. */
  readonly #hooks: (ConsumerHooks | undefined)[] = [];
  readonly #listeners: { [K in keyof ProjectionRunnerEvents]: Set<ProjectionRunnerEvents[K]> } = {
    failed: new Set(),
    resubscribing: new Set(),
    parked: new Set(),
  };
  #state: 'idle' | 'running' | 'stopped' = 'idle';
  /** The current start(), so that concurrent callers all wait for the checkpoints to load. */
  #starting: Promise<void> = Promise.resolve();

  /** `projections` are instances of `@Projection` classes (the DI module resolves them from the container). */
  constructor(store: EventStore, projections: readonly object[], config: ProjectionRunnerConfig = {}) {
    const options = resolveProjectionOptions(config, 'ProjectionRunner', RUNNER_CONFIG_KEYS);
    const checkpoints = config.checkpointStore ?? new EventStoreCheckpointStore(store);
    // The user's logger behind a guard: whatever it does, the projections run as with no logger.
    const logger = safeLogger(config.logger ?? silentLogger);
    const telemetry = config.telemetry ?? new MnemeTelemetry();
    const names = new Set<string>();
    this.#workers = projections.map((instance) => {
      if (typeof instance !== 'object' || instance === null) {
        throw new InvalidProjectionError(String(instance), 'expected an instance of a @Projection class');
      }
      const hooks = consumerHooksOf(instance);
      this.#hooks.push(hooks);
      const definition = hooks?.definition ?? projectionDefinition(instance.constructor);
      if (names.has(definition.name)) {
        throw new InvalidProjectionError(
          definition.name,
          'two projections have this name; names key the checkpoints and must be unique',
        );
      }
      names.add(definition.name);
      const { competing } = definition;
      if (competing) {
        return new CompetingWorker(
          { ...definition, competing },
          hooks?.instance ?? instance,
          store,
          options,
          logger,
          {
            resubscribing: (projection, error, attempt, delayMs) =>
              this.#emit('resubscribing', { projection, error, attempt, delayMs }),
            parked: (info) => this.#emit('parked', info),
          },
          telemetry,
        );
      }
      return new ProjectionWorker(
        definition,
        hooks?.instance ?? instance,
        store,
        checkpoints,
        options,
        logger,
        {
          failed: (error) => this.#emit('failed', error),
          resubscribing: (projection, error, attempt, delayMs) =>
            this.#emit('resubscribing', { projection, error, attempt, delayMs }),
        },
        telemetry,
      );
    });
  }

  /** Loads every checkpoint and starts following; rejects if a checkpoint cannot be loaded. */
  start(): Promise<void> {
    if (this.#state === 'running') return this.#starting;
    this.#state = 'running';
    this.#starting = Promise.all(this.#workers.map((worker) => worker.start()))
      .then(() => Promise.all(this.#hooks.map((hooks) => hooks?.start?.() ?? Promise.resolve())))
      .then(
        () => undefined,
        async (error: unknown) => {
          this.#state = 'stopped';
          await Promise.all(this.#workers.map((worker) => worker.stop()));
          await Promise.all(this.#hooks.map((hooks) => hooks?.stop?.() ?? Promise.resolve()));
          throw error;
        },
      );
    return this.#starting;
  }

  /**
   * Resolves when every projection has handled every event written before the call; rejects with
   * the `ProjectionFailedError` of a projection that stopped, or if the runner is not running.
   */
  async catchUp(): Promise<void> {
    if (this.#state !== 'running')
      throw new ProjectionRunnerNotRunningError(this.#state === 'idle' ? 'not-started' : 'stopped');
    await this.#starting;
    await Promise.all(
      this.#workers.map((worker, index) => {
        const hooks = this.#hooks[index];
        return hooks?.catchUp ? hooks.catchUp(() => worker.catchUp()) : worker.catchUp();
      }),
    );
  }

  /**
   * Lets in-flight handlers finish, closes the subscriptions and saves every checkpoint, waiting at
   * most `handlerTimeoutMs` for each projection (they stop in parallel); reports what it abandoned.
   */
  async stop(): Promise<ProjectionStopReport> {
    if (this.#state !== 'running') return { abandoned: [] };
    this.#state = 'stopped';
    await this.#starting.catch(() => undefined);
    const reports = await Promise.all(this.#workers.map((worker) => worker.stop()));
    await Promise.all(this.#hooks.map((hooks) => hooks?.stop?.() ?? Promise.resolve()));
    return { abandoned: reports.flat() };
  }

  status(): ProjectionStatus[] {
    return this.#workers.map((worker) => ({
      name: worker.name,
      state: worker.state,
      position: worker.position,
      error: worker.failure,
      ...(worker instanceof CompetingWorker
        ? { mode: 'competing' as const, group: worker.group, acked: worker.acked }
        : { mode: 'catch-up' as const }),
    }));
  }

  /** How many events the competing projection's group holds parked (across every instance). */
  async parkedCount(name: string): Promise<number> {
    return this.#competing(name).parkedCount();
  }

  /** Sends the competing projection's parked events back into its group's delivery, each with its retries renewed. */
  async replayParked(name: string): Promise<void> {
    return this.#competing(name).replayParked();
  }

  #competing(name: string): CompetingWorker {
    const worker = this.#workers.find((candidate) => candidate.name === name);
    if (!worker) throw new ProjectionNotCompetingError(name, 'not-found');
    if (!(worker instanceof CompetingWorker)) throw new ProjectionNotCompetingError(name, 'catch-up');
    return worker;
  }

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof ProjectionRunnerEvents>(event: K, listener: ProjectionRunnerEvents[K]): () => void {
    const listeners = this.#listeners[event] as Set<ProjectionRunnerEvents[K]>;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  #emit<K extends keyof ProjectionRunnerEvents>(event: K, ...args: Parameters<ProjectionRunnerEvents[K]>): void {
    for (const listener of this.#listeners[event]) (listener as (...a: typeof args) => void)(...args);
  }
}
