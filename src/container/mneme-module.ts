import { ContainerModule, type ContainerModuleLoadOptions, type Newable, type ResolutionContext } from 'inversify';
import type { AggregateClass } from '../../decorators/index.js';
import { AggregateRepository } from '../aggregate/aggregate-repository.js';
import type { AggregateRoot } from '../aggregate/aggregate-root.js';
import { CommandBus } from '../commands/command-bus.js';
import { CommandInterceptor } from '../commands/command-interceptor.js';
import { CommandRouter } from '../commands/command-router.js';
import { ConcurrencyRetryInterceptor } from '../commands/concurrency-retry-interceptor.js';
import { StreamQueueInterceptor } from '../commands/stream-queue-interceptor.js';
import type { RetryOptions } from '../commands/retry-policy.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import type { SnapshotLogger } from '../snapshots/snapshot-logger.js';
import { checkSnapshotState } from '../snapshots/snapshot-registration.js';
import { EventStore } from '../store/event-store.js';
import { InMemoryEventStore } from '../store/in-memory-event-store.js';
import { createKurrentEventStore, type KurrentEventStoreConfig } from '../kurrent/index.js';

/** Which event store the container uses: an instance, a class, or a KurrentDB connection. */
export type EventStoreOption = EventStore | Newable<EventStore> | { kurrent: KurrentEventStoreConfig };

export interface MnemeModuleOptions {
  /** Aggregate classes whose @Handles methods the bus dispatches to. */
  aggregates?: AggregateClass<AggregateRoot>[];
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
  /** Users' interceptors, outermost first; they run once per `execute`, outside the retry loop. */
  interceptors?: (CommandInterceptor | Newable<CommandInterceptor>)[];
  /**
   * Queue this container's commands per stream (default `true`), so they do not race each other;
   * conflicts with other writers are still retried. `false` lets them race and retry.
   */
  inProcessStreamQueue?: boolean;
  /** Where snapshot problems (which never fail a command) are reported; silent by default. */
  logger?: SnapshotLogger;
}

/**
 * Binds Mneme into an inversify container: `EventStore`, `AggregateRepository`, `CommandBus` and
 * the interceptors, as singletons per container. Handler tables are built and checked when the
 * module is loaded (a command handled twice fails `container.load`).
 */
export function mnemeModule(options: MnemeModuleOptions = {}): ContainerModule {
  return new ContainerModule(({ bind, isBound }) => {
    const router = new CommandRouter(options.aggregates ?? []);
    for (const aggregate of options.aggregates ?? []) checkSnapshotState(aggregate);
    const retryInterceptor = options.retry === false ? undefined : new ConcurrencyRetryInterceptor(options.retry === undefined ? {} : options.retry);
    const streamQueue = options.inProcessStreamQueue === false ? undefined : new StreamQueueInterceptor();

    bindEventStore(bind, options.eventStore);
    bind(AggregateRepository)
      .toDynamicValue((context) => new AggregateRepository(context.get(EventStore), { logger: options.logger }))
      .inSingletonScope();
    bind(CommandRouter).toConstantValue(router);
    if (retryInterceptor) bind(ConcurrencyRetryInterceptor).toConstantValue(retryInterceptor);
    if (streamQueue) bind(StreamQueueInterceptor).toConstantValue(streamQueue);

    // Instances are used as given; classes are bound, so inversify can inject their dependencies.
    const userInterceptors = (options.interceptors ?? []).map((interceptor, index): ((context: ResolutionContext) => CommandInterceptor) => {
      if (interceptor instanceof CommandInterceptor) return () => interceptor;
      if (typeof interceptor === 'function' && interceptor.prototype instanceof CommandInterceptor) {
        if (!isBound(interceptor)) bind(interceptor).toSelf().inSingletonScope();
        return (context) => context.get(interceptor);
      }
      throw new InvalidConfigurationError('interceptors', `item #${index} is neither a CommandInterceptor nor a class extending it`);
    });

    bind(CommandBus)
      .toDynamicValue((context) => {
        const chain = userInterceptors.map((resolve) => resolve(context));
        if (streamQueue) chain.push(streamQueue);
        if (retryInterceptor) chain.push(retryInterceptor);
        return new CommandBus(context.get(AggregateRepository), router, chain);
      })
      .inSingletonScope();
  });
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
