import 'reflect-metadata';
import {
  AggregateRepository,
  CommandBus,
  ConcurrencyRetryInterceptor,
  EventStoreUnavailableError,
  execute,
  StreamQueueInterceptor,
  type AggregateRoot,
  type AppendOptions,
  type AppendResult,
  type CommandInterceptor,
  type CommandResult,
  type EventData,
  type EventStore,
  type LogFields,
  type RetryOptions,
} from 'mneme';
import { CommandRouter } from '../../src/commands/command-router.js';
import { BoundDeciders, DeciderTable } from '../../src/commands/decider-table.js';
import { ForwardingEventStore } from '../../src/testing/forwarding-event-store.js';
import { Probe, Tally, stateOf, type Add, type Move, type ResetTally, type TallyState } from './tally.js';
import { coreCommandFor, coreProbe, coreStateOf } from './tally-core.js';

/**
 * One configuration of the command pipeline. The differential test runs the same command sequence
 * through each and checks every one against a plain full replay; a new feature with a switch adds
 * its switch here (and to `pipelineConfigs`), and is then checked in every combination.
 */
export interface PipelineConfig {
  readonly store: 'memory' | 'kurrent';
  /**
   * What sends the commands: the command bus over the repository, or the functional core
   * `execute()` (no repository: the cache, snapshots and queue switches are off for it).
   */
  readonly path: 'bus' | 'execute';
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
  if (config.path === 'execute') return `${config.store} execute() instances:${config.instances}`;
  return `${config.store} cache:${on(config.cache)} snapshots:${on(config.snapshots)} queue:${on(config.queue)} instances:${config.instances}`;
}

const on = (value: boolean) => (value ? 'on' : 'off');

/** Every combination of the switches, on one store. */
export function pipelineConfigs(
  store: PipelineConfig['store'],
  instances: readonly number[] = [1, 2],
): PipelineConfig[] {
  const configs: PipelineConfig[] = [];
  for (const cache of [false, true])
    for (const snapshots of [false, true])
      for (const queue of [false, true])
        for (const count of instances) configs.push({ store, path: 'bus', cache, snapshots, queue, instances: count });
  for (const count of instances)
    configs.push({ store, path: 'execute', cache: false, snapshots: false, queue: false, instances: count });
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
          throw new EventStoreUnavailableError(
            'append',
            requests[0]!.streamName,
            'differential://test',
            'reply lost after the write (injected)',
          );
        }
        return result;
      };
    }
  }

  override async appendToStream(
    streamName: string,
    events: EventData[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    const result = await this.inner.appendToStream(streamName, events, options);
    if (this.dropReplies > 0 && !streamName.includes('_snapshot-')) {
      this.dropReplies--;
      this.dropped++;
      throw new EventStoreUnavailableError(
        'append',
        streamName,
        'differential://test',
        'reply lost after the write (injected)',
      );
    }
    return result;
  }
}

/** What one send of a command answered, and (for `execute()`) the state its command ends with. */
export interface SendResult {
  readonly events: readonly object[];
  readonly nextExpectedRevision: bigint;
  /** `execute()` only: the state the command holds afterwards (handed to its last `setState`). */
  readonly endState?: TallyState;
  /** A decision across aggregates (a `Move`): the answer per aggregate. */
  readonly streams?: CommandResult['streams'];
}

/** One app instance: its own pipeline on the shared store. */
export interface AppInstance {
  readonly store: ReplyDroppingStore;
  /** Warnings its repository logged (refused snapshots and the like). */
  readonly warnings: { message: string; fields: LogFields | undefined }[];
  /** Whether it can send a `Move` (a decision across two tallies): the bus, on a store with appendToStreams. */
  readonly decides: boolean;
  send(command: Add | ResetTally | Move, commandId: string): Promise<SendResult>;
  /** The state a command on tally `id` decides from now. */
  decidesFrom(id: string): Promise<TallyState>;
  /** The state a load gives: `repository.load`, or the state `execute()` leaves a command with. */
  loads(id: string): Promise<TallyState>;
}

const RETRY: RetryOptions = {
  maxRetries: 200,
  initialDelayMs: 1,
  maxDelayMs: 5,
  transient: { maxRetries: 10, initialDelayMs: 1, maxDelayMs: 5 },
};

/** The pipeline `mnemeModule` builds (router, queue, retry), or `execute()`, with the switches of `config`. */
export function startInstance(
  config: PipelineConfig,
  shared: EventStore,
  aggregates: readonly (new () => AggregateRoot)[],
  deciders: readonly (new () => object)[] = [],
): AppInstance {
  const store = new ReplyDroppingStore(shared);
  const warnings: AppInstance['warnings'] = [];
  if (config.path === 'execute') return coreInstance(store, warnings);
  const repository = new AggregateRepository(store, {
    cache: config.cache ? {} : false,
    snapshots: config.snapshots,
    logger: { warn: (message: string, fields?: LogFields) => warnings.push({ message, fields }) },
  });
  const chain: CommandInterceptor[] = [];
  if (config.queue) chain.push(new StreamQueueInterceptor());
  chain.push(new ConcurrencyRetryInterceptor(RETRY));
  const router = new CommandRouter(aggregates);
  // Deciders (`@Decides`) need a store that appends to several streams at once.
  const decides = deciders.length > 0 && typeof shared.appendToStreams === 'function';
  const options = decides
    ? { deciders: new BoundDeciders(new DeciderTable(deciders, router), (type) => new (type as new () => object)()) }
    : {};
  const bus = new CommandBus(repository, router, chain, undefined, options);
  return {
    store,
    warnings,
    decides,
    send: (command, commandId) => bus.execute(command, { commandId }),
    decidesFrom: async (id) => {
      let seen: TallyState | undefined;
      await bus.execute(new Probe(id, (state) => (seen = state)));
      return seen!;
    },
    loads: async (id) => stateOf(await repository.load(Tally, id)),
  };
}

/** An instance that sends every command through `execute()`, with the bus's retry settings. */
function coreInstance(store: ReplyDroppingStore, warnings: AppInstance['warnings']): AppInstance {
  const probe = async (id: string) => {
    const command = coreProbe(id);
    const { nextExpectedRevision } = await execute(command, store, RETRY);
    return { command, revision: nextExpectedRevision };
  };
  return {
    store,
    warnings,
    decides: false, // execute() decides one stream
    send: async (sent, commandId) => {
      const command = coreCommandFor(sent as Add | ResetTally);
      const result = await execute(command, store, { ...RETRY, commandId });
      return { ...result, endState: coreStateOf(command.state, result.nextExpectedRevision) };
    },
    decidesFrom: async (id) => {
      const { command, revision } = await probe(id);
      return { ...command.decidedFrom!, revision };
    },
    loads: async (id) => {
      const { command, revision } = await probe(id);
      return coreStateOf(command.state, revision);
    },
  };
}

/** The reference every path is checked against: a fresh repository, no cache, no snapshots, the whole stream. */
export function fullReplay<A extends AggregateRoot>(store: EventStore, type: new () => A, id: string): Promise<A> {
  return new AggregateRepository(store, { cache: false, snapshots: false }).load(type, id);
}
