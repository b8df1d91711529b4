import 'reflect-metadata';
import {
  AggregateRepository,
  CommandBus,
  ConcurrencyRetryInterceptor,
  EventStoreUnavailableError,
  StreamQueueInterceptor,
  type AggregateRoot,
  type AppendOptions,
  type AppendResult,
  type CommandInterceptor,
  type EventData,
  type EventStore,
  type LogFields,
} from 'mneme';
import { CommandRouter } from '../../src/commands/command-router.js';
import { BoundDeciders, DeciderTable } from '../../src/commands/decider-table.js';
import { ForwardingEventStore } from '../../src/testing/forwarding-event-store.js';

/**
 * One configuration of the command pipeline. The differential test runs the same command sequence
 * through each and checks every one against a plain full replay; a new feature with a switch adds
 * its switch here (and to `pipelineConfigs`), and is then checked in every combination.
 */
export interface PipelineConfig {
  readonly store: 'memory' | 'kurrent';
  /** The aggregate cache (`aggregateCache`). */
  readonly cache: boolean;
  /** Snapshot policies honoured (`AggregateRepository`'s `snapshots`). */
  readonly snapshots: boolean;
  /** `inProcessStreamQueue`. */
  readonly queue: boolean;
  /** App instances: separate pipelines (repositories, caches, queues) on one store. */
  readonly instances: number;
}

export function describeConfig(config: PipelineConfig): string {
  return `${config.store} cache:${on(config.cache)} snapshots:${on(config.snapshots)} queue:${on(config.queue)} instances:${config.instances}`;
}

const on = (value: boolean) => (value ? 'on' : 'off');

/** Every combination of the switches, on one store. */
export function pipelineConfigs(store: PipelineConfig['store'], instances: readonly number[] = [1, 2]): PipelineConfig[] {
  const configs: PipelineConfig[] = [];
  for (const cache of [false, true])
    for (const snapshots of [false, true])
      for (const queue of [false, true]) for (const count of instances) configs.push({ store, cache, snapshots, queue, instances: count });
  return configs;
}

/**
 * A store an instance talks to: the shared store, with one fault of its own: `dropReplies` appends
 * are applied and then answered with a transient error, as when the connection drops after the
 * server wrote (snapshot streams excepted, they never fail a command).
 */
export class ReplyDroppingStore extends ForwardingEventStore {
  dropReplies = 0;
  dropped = 0;

  constructor(inner: EventStore) {
    super(inner);
    // Multi-stream commits lose their replies too (after the write), as a decision's append would.
    const appendToStreams = this.appendToStreams;
    if (appendToStreams) {
      this.appendToStreams = async (requests, options) => {
        const result = await appendToStreams(requests, options);
        if (this.dropReplies > 0) {
          this.dropReplies--;
          this.dropped++;
          throw new EventStoreUnavailableError('append', requests[0]!.streamName, 'differential://test', 'reply lost after the write (injected)');
        }
        return result;
      };
    }
  }

  override async appendToStream(streamName: string, events: EventData[], options?: AppendOptions): Promise<AppendResult> {
    const result = await this.inner.appendToStream(streamName, events, options);
    if (this.dropReplies > 0 && !streamName.includes('_snapshot-')) {
      this.dropReplies--;
      this.dropped++;
      throw new EventStoreUnavailableError('append', streamName, 'differential://test', 'reply lost after the write (injected)');
    }
    return result;
  }
}

/** One app instance: its own pipeline on the shared store. */
export interface AppInstance {
  readonly bus: CommandBus;
  readonly repository: AggregateRepository;
  readonly store: ReplyDroppingStore;
  /** Warnings its repository logged (refused snapshots and the like). */
  readonly warnings: { message: string; fields: LogFields | undefined }[];
}

/** The pipeline `mnemeModule` builds (router, queue, retry), with the switches of `config`. */
export function startInstance(
  config: PipelineConfig,
  shared: EventStore,
  aggregates: readonly (new () => AggregateRoot)[],
  deciders: readonly (new () => object)[] = [],
): AppInstance {
  const store = new ReplyDroppingStore(shared);
  const warnings: AppInstance['warnings'] = [];
  const repository = new AggregateRepository(store, {
    cache: config.cache ? {} : false,
    snapshots: config.snapshots,
    logger: { warn: (message: string, fields?: LogFields) => warnings.push({ message, fields }) },
  });
  const chain: CommandInterceptor[] = [];
  if (config.queue) chain.push(new StreamQueueInterceptor());
  chain.push(new ConcurrencyRetryInterceptor({ maxRetries: 200, initialDelayMs: 1, maxDelayMs: 5, transient: { maxRetries: 10, initialDelayMs: 1, maxDelayMs: 5 } }));
  const router = new CommandRouter(aggregates);
  // Deciders (`@Decides`) need a store that appends to several streams at once.
  const withDeciders = deciders.length > 0 && typeof shared.appendToStreams === 'function';
  const options = withDeciders ? { deciders: new BoundDeciders(new DeciderTable(deciders, router), (type) => new (type as new () => object)()) } : {};
  const bus = new CommandBus(repository, router, chain, undefined, options);
  return { bus, repository, store, warnings };
}

/** The reference every path is checked against: a fresh repository, no cache, no snapshots, the whole stream. */
export function fullReplay<A extends AggregateRoot>(store: EventStore, type: new () => A, id: string): Promise<A> {
  return new AggregateRepository(store, { cache: false, snapshots: false }).load(type, id);
}
