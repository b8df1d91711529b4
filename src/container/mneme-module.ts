import { ContainerModule, type ContainerModuleLoadOptions, type Newable, type ResolutionContext } from 'inversify';
import type { AggregateClass } from '../../decorators/index.js';
import { resolveAggregateCacheSize, type AggregateCacheOption } from '../repository/aggregate-cache.js';
import { AggregateRepository } from '../repository/aggregate-repository.js';
import type { AggregateRoot } from '../aggregate/aggregate-root.js';
import { CommandBus } from '../commands/command-bus.js';
import { CommandInterceptor } from '../commands/command-interceptor.js';
import { CommandRouter } from '../commands/command-router.js';
import { ConcurrencyRetryInterceptor } from '../commands/concurrency-retry-interceptor.js';
import { StreamQueueInterceptor } from '../commands/stream-queue-interceptor.js';
import { BoundDeciders, DeciderTable } from '../commands/decider-table.js';
import { MultiStreamAppendUnsupportedError } from '../errors/multi-stream-errors.js';
import { checkTimeoutMs } from '../commands/command-deadline.js';
import type { RetryOptions } from '../commands/retry-policy.js';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { describeValue } from '../errors/describe-value.js';
import { checkSnapshotState } from '../snapshots/snapshot-registration.js';
import { EventStore } from '../store/event-store.js';
import { InMemoryEventStore } from '../store/in-memory-event-store.js';
import { createKurrentEventStore, type KurrentConnection } from '../kurrent/index.js';
import { Logger, silentLogger } from '../logging/logger.js';
import { adaptLogger } from '../logging/logger-adapters.js';
import { CheckpointStore, EventStoreCheckpointStore } from '../projections/checkpoint-store.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import { resolveProjectionOptions, type ProjectionRunnerOptions } from '../projections/projection-options.js';
import { projectionDefinition } from '../projections/projection-definition.js';
import { MnemeTelemetry } from '../telemetry/mneme-telemetry.js';
import type { Clock } from '../process-managers/clock.js';
import { CommandCodec } from '../process-managers/command-codec.js';
import { processManagerDefinition } from '../process-managers/process-manager-definition.js';
import { ProcessManagerEngine } from '../process-managers/process-manager-engine.js';
import type { ProcessManagerRoot } from '../process-managers/process-manager-root.js';
import type { TelemetryOptions } from '../telemetry/telemetry-options.js';

/** Which event store the container uses: an instance, a class, or a KurrentDB connection. */
export type EventStoreOption = EventStore | Newable<EventStore> | { kurrent: KurrentConnection };

export interface MnemeModuleOptions {
  /** Aggregate classes whose @Handles methods the bus dispatches to. */
  aggregates?: AggregateClass<AggregateRoot>[];
  /**
   * Classes with `@Decides` methods: commands that touch several aggregates, decided together and
   * appended in one atomic commit. Resolved from the container (so they can inject services). The
   * event store must support `appendToStreams` (`container.get(CommandBus)` fails otherwise).
   */
  deciders?: Newable<object>[];
  /**
   * An instance (shared as is), a class (one per container), `{ kurrent: '<connection string>' }`
   * for a `KurrentEventStore` (closed when the container unbinds it, or with `store.close()`), or
   * omitted for an `InMemoryEventStore`.
   */
  eventStore?: EventStoreOption;
  /**
   * Retry settings: the top-level fields retry concurrency conflicts, `transient` retries a store
   * that is briefly unavailable (`transient: false` turns that off). `false` turns all retries off.
   * Unknown keys, non-objects and delays above 2^31-1 ms fail `container.load`.
   */
  retry?: RetryOptions | false;
  /**
   * The most a command may take, from `execute` to its answer (load, handler, retries, appends), in
   * ms (default 30,000): then it fails with `CommandTimeoutError`, nothing it decides later is
   * written, and its stream's next commands go on. `CommandOptions.timeoutMs` sets it per command.
   */
  commandTimeoutMs?: number;
  /** Users' interceptors, outermost first; they run once per `execute`, outside the retry loop. */
  interceptors?: (CommandInterceptor | Newable<CommandInterceptor>)[];
  /**
   * Commands start from a cached copy of their aggregate and read only the events written since
   * (default: the 1,000 most recently used aggregates of this container). `{ maxEntries }` sets the
   * bound; `false` makes every command replay its aggregate. See the README's "Aggregate cache".
   */
  aggregateCache?: AggregateCacheOption;
  /**
   * Queue this container's commands per stream (default `true`), so they do not race each other;
   * conflicts with other writers are still retried. `false` lets them race and retry.
   */
  inProcessStreamQueue?: boolean;
  /**
   * `@Projection` classes, resolved from the container (so they can inject their own dependencies)
   * and run by `container.get(ProjectionRunner)`.
   */
  projections?: Newable<object>[];
  /**
   * `@ProcessManager` classes, resolved from the container (so they can inject services) and run by
   * `container.get(ProjectionRunner)` beside the projections, with the same options. The commands
   * they send go through this container's CommandBus.
   */
  processManagers?: Newable<ProcessManagerRoot>[];
  /** Where process managers read the time (default: `Date.now`); a test clock makes timers fire without waiting. */
  clock?: Clock;
  /** How often process managers look for due timers (default 1000 ms): a timer fires at most about this late. */
  timerPollMs?: number;
  /** Checkpoint interval, handler retries and resubscription backoff of the projection runner. */
  projectionRunner?: ProjectionRunnerOptions;
  /** Where projections keep checkpoints; default: streams in the event store (`mneme_checkpoint-<name>`). */
  checkpointStore?: CheckpointStore | Newable<CheckpointStore>;
  /**
   * Where Mneme logs (bound as `Logger`): snapshot problems (which never fail a command), projection
   * retries and resubscriptions. Default: nowhere. `console` fits.
   */
  logger?: Logger;
  /**
   * OpenTelemetry spans and metrics (bound as `MnemeTelemetry`). Default: the global providers of
   * `@opentelemetry/api`, which do nothing until an SDK is registered (register it before loading
   * this module: the meter is taken now). `false` turns it off.
   */
  telemetry?: TelemetryOptions | false;
}

/**
 * Binds Mneme into an inversify container: `EventStore`, `AggregateRepository`, `CommandBus` and
 * the interceptors, as singletons per container. Handler tables are built and checked when the
 * module is loaded (a command handled twice fails `container.load`).
 */
export function mnemeModule(options: MnemeModuleOptions = {}): ContainerModule {
  return new ContainerModule(({ bind, isBound }) => {
    checkModuleOptions(options);
    const router = new CommandRouter(options.aggregates ?? []);
    const deciders = new DeciderTable(options.deciders ?? [], router);
    for (const type of deciders.deciderTypes as Newable<object>[])
      if (!isBound(type)) bind(type).toSelf().inSingletonScope();
    for (const aggregate of options.aggregates ?? []) checkSnapshotState(aggregate);
    const telemetry = options.telemetry === false ? MnemeTelemetry.disabled : new MnemeTelemetry(options.telemetry);
    const retryInterceptor =
      options.retry === false
        ? undefined
        : new ConcurrencyRetryInterceptor(options.retry === undefined ? {} : options.retry, {
            onRetry: telemetry.retried,
          });
    resolveAggregateCacheSize(options.aggregateCache); // a bad option fails container.load
    const timeoutOption =
      options.commandTimeoutMs === undefined
        ? {}
        : { timeoutMs: checkTimeoutMs(options.commandTimeoutMs, 'commandTimeoutMs') };
    const streamQueue = options.inProcessStreamQueue === false ? undefined : new StreamQueueInterceptor();

    bindEventStore(bind, options.eventStore);
    bind(MnemeTelemetry).toConstantValue(telemetry);
    bind(AggregateRepository)
      .toDynamicValue(
        (context) =>
          new AggregateRepository(context.get(EventStore), {
            logger: context.get(Logger),
            telemetry,
            ...(options.aggregateCache === undefined ? {} : { cache: options.aggregateCache }),
          }),
      )
      .inSingletonScope();
    bind(CommandRouter).toConstantValue(router);
    if (retryInterceptor) bind(ConcurrencyRetryInterceptor).toConstantValue(retryInterceptor);
    if (streamQueue) bind(StreamQueueInterceptor).toConstantValue(streamQueue);

    // Instances are used as given; classes are bound, so inversify can inject their dependencies.
    const userInterceptors = (options.interceptors ?? []).map(
      (interceptor, index): ((context: ResolutionContext) => CommandInterceptor) => {
        if (interceptor instanceof CommandInterceptor) return () => interceptor;
        if (typeof interceptor === 'function' && interceptor.prototype instanceof CommandInterceptor) {
          if (!isBound(interceptor)) bind(interceptor).toSelf().inSingletonScope();
          return (context) => context.get(interceptor);
        }
        throw new InvalidConfigurationError(
          'interceptors',
          `item #${index} is neither a CommandInterceptor nor a class extending it`,
        );
      },
    );

    bindProjections(bind, isBound, options, telemetry);

    bind(CommandBus)
      .toDynamicValue((context) => {
        const chain = userInterceptors.map((resolve) => resolve(context));
        if (streamQueue) chain.push(streamQueue);
        if (retryInterceptor) chain.push(retryInterceptor);
        const bound = deciders.deciderTypes.length === 0 ? undefined : boundDeciders(deciders, context);
        return new CommandBus(
          context.get(AggregateRepository),
          router,
          chain,
          telemetry,
          bound ? { ...timeoutOption, deciders: bound } : timeoutOption,
        );
      })
      .inSingletonScope();
  });
}

/** Deciders need a store that appends to several streams at once: a store without it fails here, before any command. */
function boundDeciders(table: DeciderTable, context: ResolutionContext): BoundDeciders {
  const store = context.get(EventStore);
  if (typeof store.appendToStreams !== 'function') {
    throw new MultiStreamAppendUnsupportedError(
      'appendToStreams',
      store.constructor?.name ?? 'this store',
      `it has no appendToStreams method, which the deciders ${table.deciderTypes.map((type) => type.name).join(', ')} need`,
    );
  }
  return new BoundDeciders(table, (type) => context.get(type as Newable<object>));
}

/** The nested objects (retry, aggregateCache, projectionRunner, telemetry) are checked by their own resolvers. */
const MODULE_OPTIONS: OptionShape = {
  aggregates: rule.array,
  deciders: rule.array,
  eventStore: rule.any,
  retry: rule.any,
  commandTimeoutMs: rule.any,
  interceptors: rule.array,
  aggregateCache: rule.any,
  inProcessStreamQueue: rule.boolean,
  projections: rule.any,
  projectionRunner: rule.any,
  checkpointStore: rule.any,
  logger: rule.any,
  telemetry: rule.any,
  processManagers: rule.array,
  clock: rule.any,
  timerPollMs: rule.any,
} satisfies Record<keyof MnemeModuleOptions, unknown>;

/** A typo (`agregates`) or a value of the wrong shape must fail `container.load`, not mean "none" later. */
function checkModuleOptions(options: MnemeModuleOptions): void {
  checkOptions(options, '', MODULE_OPTIONS, 'an options object', 'mnemeModule');
}

function bindProjections(
  bind: ContainerModuleLoadOptions['bind'],
  isBound: ContainerModuleLoadOptions['isBound'],
  options: MnemeModuleOptions,
  telemetry: MnemeTelemetry,
): void {
  // A Logger or CheckpointStore the application bound itself is used when the option is absent.
  bindLogger(bind, isBound, options.logger);
  bindCheckpointStore(bind, isBound, options.checkpointStore);
  bindRunner(bind, isBound, options, telemetry);
}

function bindLogger(
  bind: ContainerModuleLoadOptions['bind'],
  isBound: ContainerModuleLoadOptions['isBound'],
  logger: Logger | undefined,
): void {
  if (logger === undefined) {
    if (!isBound(Logger)) bind(Logger).toConstantValue(silentLogger);
    return;
  }
  const methods = ['debug', 'info', 'warn', 'error'] as const;
  if (typeof logger !== 'object' || logger === null || methods.some((method) => typeof logger[method] !== 'function')) {
    throw new InvalidConfigurationError(
      'logger',
      'give an object with debug, info, warn and error methods (console fits)',
    );
  }
  bind(Logger).toConstantValue(adaptLogger(logger)); // pino takes (fields, message): adapted, so no field is lost
}

function bindCheckpointStore(
  bind: ContainerModuleLoadOptions['bind'],
  isBound: ContainerModuleLoadOptions['isBound'],
  option: MnemeModuleOptions['checkpointStore'],
): void {
  if (option === undefined) {
    if (isBound(CheckpointStore)) return;
    bind(CheckpointStore)
      .toDynamicValue((context) => new EventStoreCheckpointStore(context.get(EventStore)))
      .inSingletonScope();
  } else if (option instanceof CheckpointStore) {
    bind(CheckpointStore).toConstantValue(option);
  } else if (typeof option === 'function' && option.prototype instanceof CheckpointStore) {
    bind(CheckpointStore).to(option).inSingletonScope();
  } else {
    throw new InvalidConfigurationError(
      'checkpointStore',
      'give a CheckpointStore instance or a class extending CheckpointStore',
    );
  }
}

function bindRunner(
  bind: ContainerModuleLoadOptions['bind'],
  isBound: ContainerModuleLoadOptions['isBound'],
  options: MnemeModuleOptions,
  telemetry: MnemeTelemetry,
): void {
  const projections = options.projections ?? [];
  if (!Array.isArray(projections))
    throw new InvalidConfigurationError('projections', 'give an array of @Projection classes');
  projections.forEach((projection, index) => {
    if (typeof projection !== 'function') {
      throw new InvalidConfigurationError('projections', `item #${index} is not a class`);
    }
    projectionDefinition(projection); // a class without @Projection or @On fails container.load
    if (!isBound(projection)) bind(projection).toSelf().inSingletonScope();
  });
  const processManagers = checkProcessManagers(bind, isBound, options);
  const codec = new CommandCodec(options.aggregates ?? []);
  const runnerOptions = options.projectionRunner ?? {};
  resolveProjectionOptions(runnerOptions); // bad settings fail container.load
  bind(ProjectionRunner)
    .toDynamicValue((context) => {
      const store = context.get(EventStore);
      const logger = context.get(Logger);
      const engines = processManagers.map(
        (type) =>
          new ProcessManagerEngine(context.get(type), {
            store,
            commands: context.get(CommandBus),
            codec,
            logger,
            ...(options.clock === undefined ? {} : { clock: options.clock }),
            ...(options.timerPollMs === undefined ? {} : { timerPollMs: options.timerPollMs }),
          }),
      );
      return new ProjectionRunner(store, [...projections.map((projection) => context.get(projection)), ...engines], {
        ...runnerOptions,
        checkpointStore: context.get(CheckpointStore),
        logger,
        telemetry,
      });
    })
    .inSingletonScope()
    .onDeactivation(async (runner) => {
      await runner.stop();
    });
}

function checkProcessManagers(
  bind: ContainerModuleLoadOptions['bind'],
  isBound: ContainerModuleLoadOptions['isBound'],
  options: MnemeModuleOptions,
): Newable<ProcessManagerRoot>[] {
  const processManagers = options.processManagers ?? [];
  if (!Array.isArray(processManagers))
    throw new InvalidConfigurationError('processManagers', 'give an array of @ProcessManager classes');
  processManagers.forEach((type, index) => {
    if (typeof type !== 'function')
      throw new InvalidConfigurationError('processManagers', `item #${index} is not a class`);
    processManagerDefinition(type); // a class without @ProcessManager or @On fails container.load
    if (!isBound(type)) bind(type).toSelf().inSingletonScope();
  });
  const clock = options.clock;
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')) {
    throw new InvalidConfigurationError('clock', 'give an object with a now() method returning ms since the epoch');
  }
  const pollMs = options.timerPollMs;
  if (pollMs !== undefined && (typeof pollMs !== 'number' || !(pollMs >= 1) || pollMs > 2 ** 31 - 1)) {
    throw new InvalidConfigurationError(
      'timerPollMs',
      `expected a number of ms from 1 to 2^31-1, got ${describeValue(pollMs)}`,
    );
  }
  return processManagers;
}

function bindEventStore(bind: ContainerModuleLoadOptions['bind'], option: EventStoreOption | undefined): void {
  if (option === undefined) {
    bind(EventStore).to(InMemoryEventStore).inSingletonScope();
  } else if (option instanceof EventStore) {
    bind(EventStore).toConstantValue(option);
  } else if (typeof option === 'function' && option.prototype instanceof EventStore) {
    bind(EventStore).to(option).inSingletonScope();
  } else if (typeof option === 'object' && option !== null && 'kurrent' in option) {
    // Created now, so a bad connection string fails container.load, not the first command. This is
    // where the Kurrent client is first loaded: src/kurrent requires it on first use, synchronously.
    const store = createKurrentEventStore(option.kurrent);
    bind(EventStore)
      .toConstantValue(store)
      .onDeactivation(() => store.close());
  } else {
    throw new InvalidConfigurationError('eventStore', 'give an EventStore instance or a class extending EventStore');
  }
}
