import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  CompetingConsumersUnsupportedError,
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InvalidConfigurationError,
  InvalidProjectionError,
  On,
  Projection,
  ProjectionNotCompetingError,
  ProjectionRunner,
} from 'mneme';
import { ForwardingEventStore } from '../../src/testing/forwarding-event-store.js';
import { KillableConsumersStore } from '../support/killable-consumers.js';
import {
  Placed,
  Sink,
  appendOrders,
  competingProjection,
  describeCompetingProjections,
  fastRetries,
} from './competing-projection-scenarios.js';
import { ItemsPerList } from './projection-fixtures.js';

describeCompetingProjections(InMemoryEventStore.name, () => {
  const store = new InMemoryEventStore({ timerIntervalMs: 20 });
  return Promise.resolve({
    store: () => store,
    killableStore: () => {
      const killable = new KillableConsumersStore(store);
      return Promise.resolve({ store: killable, kill: () => killable.kill() });
    },
    close: () => Promise.resolve(),
  });
});

describe('Competing projections: options and misuse', () => {
  it('refuses a competing projection on a store without persistent subscriptions at start, naming what is missing', async () => {
    const { Orders, name } = competingProjection(new Sink());
    const runner = new ProjectionRunner(new ForwardingEventStore(new InMemoryEventStore()), [new Orders('a')]);
    const error = await runner.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompetingConsumersUnsupportedError);
    expect(error).toMatchObject({
      code: 'MNEME_COMPETING_CONSUMERS_UNSUPPORTED',
      projection: name,
      store: 'ForwardingEventStore',
      missing: 'persistentSubscriptions',
    });
  });

  it('refuses a misspelt option with a suggestion, an unknown strategy, and group options in catch-up mode', () => {
    @Projection({ name: 'typo', from: 'all', mode: 'competing', strategey: 'Pinned' } as never)
    class Typo {
      @On(Placed) placed() {}
    }
    expect(() => new ProjectionRunner(new InMemoryEventStore(), [new Typo()])).toThrow(
      expect.objectContaining({ code: 'MNEME_INVALID_CONFIGURATION', message: expect.stringContaining('strategy') }),
    );

    @Projection({ name: 'strategy', from: 'all', mode: 'competing', strategy: 'Sticky' } as never)
    class Strategy {
      @On(Placed) placed() {}
    }
    expect(() => new ProjectionRunner(new InMemoryEventStore(), [new Strategy()])).toThrow(InvalidConfigurationError);

    @Projection({ name: 'grouped', from: 'all', group: 'workers' })
    class Grouped {
      @On(Placed) placed() {}
    }
    expect(() => new ProjectionRunner(new InMemoryEventStore(), [new Grouped()])).toThrow(InvalidProjectionError);
  });

  it('answers parkedCount and replayParked for a catch-up or unknown projection with a typed error', async () => {
    const runner = new ProjectionRunner(new InMemoryEventStore(), [new ItemsPerList()]);
    await expect(runner.parkedCount('items-per-list')).rejects.toMatchObject({
      code: 'MNEME_PROJECTION_NOT_COMPETING',
      reason: 'catch-up',
    });
    await expect(runner.replayParked('nope')).rejects.toBeInstanceOf(ProjectionNotCompetingError);
  });

  it('parks an event whose handler hangs past handlerTimeoutMs, and survives a parked listener that throws', async () => {
    const store = new InMemoryEventStore({ timerIntervalMs: 20 });
    const sink = new Sink();
    const { Orders, category, name } = competingProjection(sink);
    const hung = `${category}-1@0`;
    sink.before = (_instance, recorded) =>
      `${recorded.streamName}@${recorded.revision}` === hung ? new Promise<void>(() => undefined) : undefined;
    const runner = new ProjectionRunner(store, [new Orders('a')], { ...fastRetries, handlerTimeoutMs: 30 });
    const errors: unknown[] = [];
    runner.on('parked', (info) => {
      errors.push(info.error);
      throw new Error('a listener that throws');
    });
    try {
      await runner.start();
      await appendOrders(store, category, 4, 2);
      await runner.catchUp();
      expect(errors).toEqual([expect.objectContaining({ code: 'MNEME_PROJECTION_TIMEOUT', operation: 'handler' })]);
      expect(await runner.parkedCount(name)).toBe(1);
      expect(sink.handled).toHaveLength(7);
      expect(runner.status()[0]).toMatchObject({ state: 'running', acked: 7 });
    } finally {
      await runner.stop();
    }
  });

  it('creates the group Pinned by default, named after the projection, and writes no checkpoint of its own', async () => {
    const store = new InMemoryEventStore({ timerIntervalMs: 20 });
    const checkpoints = new InMemoryCheckpointStore();
    const sink = new Sink();
    const { Orders, category, name } = competingProjection(sink);
    const runner = new ProjectionRunner(store, [new Orders('a')], { ...fastRetries, checkpointStore: checkpoints });
    try {
      await runner.start();
      await appendOrders(store, category, 8, 4);
      await runner.catchUp();
      expect(sink.handled).toHaveLength(32);
      const info = await store.persistentSubscriptions.getGroupInfo('$all', name);
      expect(info.settings).toMatchObject({ consumerStrategy: 'Pinned', maxRetryCount: 2, messageTimeoutMs: 2_000 });
      expect(await checkpoints.load(name)).toBeUndefined();
      // A second runner joins the existing group rather than failing on it.
      const second = new ProjectionRunner(store, [new Orders('b')], fastRetries);
      await second.start();
      await second.stop();
    } finally {
      await runner.stop();
    }
  });
});
