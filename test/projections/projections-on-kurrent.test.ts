import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  CHECKPOINT_STREAM_PREFIX,
  CheckpointAheadOfLogError,
  InMemoryCheckpointStore,
  KurrentEventStore,
  On,
  Projection,
  ProjectionRunner,
  type GlobalPosition,
} from 'mneme';
import { DroppingStore } from '../support/dropping-store.js';
import { describeEmulatorOnly, useKurrentTarget } from '../support/kurrent-target.js';
import { ItemAdded, added } from './projection-fixtures.js';

/** A projection over a category of its own, so runs against a shared server never see each other. */
function itemsProjection(name: string, category: string) {
  @Projection({ name, from: { categories: [category] } })
  class Items {
    readonly items: string[] = [];
    @On(ItemAdded) add(event: ItemAdded) {
      this.items.push(event.item);
    }
  }
  return new Items();
}

const unique = () => `ListK${randomUUID().replace(/-/g, '')}`;
const fast = {
  handlerRetry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
  resubscribe: { initialDelayMs: 5, maxDelayMs: 50 },
};

describe('ProjectionRunner on KurrentDB', () => {
  const stores: KurrentEventStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  const kurrent = useKurrentTarget();
  const openStore = () => {
    const store = new KurrentEventStore(kurrent.target.connectionString);
    stores.push(store);
    return store;
  };

  it('resumes from a checkpoint at the last record of $all, and refuses one past it (the store was reset)', async () => {
    const store = openStore();
    const category = unique();
    await store.appendToStream(`${category}-1`, [added('1', 'past')]);
    const head = await store.headPosition();
    expect(head).toBeDefined();
    const name = `kurrent-head-${category}`;
    const checkpoints = new InMemoryCheckpointStore();
    await checkpoints.save(name, head!);
    const projection = itemsProjection(name, category);
    const runner = new ProjectionRunner(store, [projection], { ...fast, checkpointStore: checkpoints });
    await runner.start();
    await store.appendToStream(`${category}-1`, [added('1', 'live')]);
    await runner.catchUp();
    expect(projection.items).toEqual(['live']);
    await runner.stop();

    const ahead = {
      commit: (await store.headPosition())!.commit + 1_000_000_000n,
      prepare: (await store.headPosition())!.prepare + 1_000_000_000n,
    };
    await checkpoints.save(name, ahead);
    const error = await new ProjectionRunner(store, [itemsProjection(name, category)], {
      ...fast,
      checkpointStore: checkpoints,
    })
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointAheadOfLogError);
  });

  it('catches up, follows live appends, and caps its checkpoint stream with $maxCount', async () => {
    const store = openStore();
    const category = unique();
    await store.appendToStream(`${category}-1`, [added('1', 'past')]);
    const projection = itemsProjection(`kurrent-${category}`, category);
    const runner = new ProjectionRunner(store, [projection], fast);
    await runner.start();
    await runner.catchUp();
    await store.appendToStream(`${category}-2`, [added('2', 'live')]);
    await runner.catchUp();
    expect(projection.items).toEqual(['past', 'live']);
    await runner.stop();

    const checkpointStream = `${CHECKPOINT_STREAM_PREFIX}kurrent-${category}`;
    const metadata = await store.client.getStreamMetadata(checkpointStream);
    expect(metadata.metadata?.maxCount).toBe(5);
    const restartedProjection = itemsProjection(`kurrent-${category}`, category);
    const restarted = new ProjectionRunner(store, [restartedProjection], fast);
    await restarted.start();
    await store.appendToStream(`${category}-1`, [added('1', 'after restart')]);
    await restarted.catchUp();
    expect(restartedProjection.items).toEqual(['after restart']);
    await restarted.stop();
  });

  describeEmulatorOnly('when the connection fails', () => {
    it('resubscribes from its position after a drop, through failing reconnects, without a storm', async () => {
      const category = unique();
      const inner = openStore();
      await inner.appendToStream(`${category}-1`, [added('1', 'a'), added('1', 'b')]);
      const store = new DroppingStore(inner, 1, 1); // the first subscription drops after one event
      const projection = itemsProjection(`kurrent-drop-${category}`, category);
      const runner = new ProjectionRunner(store, [projection], fast);
      const attempts: number[] = [];
      let reconnecting!: () => void;
      const firstDrop = new Promise<void>((resolve) => (reconnecting = resolve));
      runner.on('resubscribing', ({ attempt }) => {
        attempts.push(attempt);
        // The server is unreachable for the next two subscription calls.
        if (attempt === 1) kurrent.emulator.injectFaults({ kind: 'unavailable', count: 2, methods: ['Read'] });
        reconnecting();
      });
      await runner.start();
      await firstDrop;
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (kurrent.emulator.pendingFaults === 0) {
            clearInterval(poll);
            resolve();
          }
        }, 5);
      });
      await runner.catchUp();
      expect(projection.items).toEqual(['a', 'b']);
      expect(attempts).toEqual([1, 2, 3]); // one drop, two refused reconnects, then back
      const resumedFrom = store.subscribedFrom.slice(1) as GlobalPosition[];
      expect(new Set(resumedFrom.map((p) => p.commit)).size).toBe(1); // all from the one handled event
      await runner.stop();
    });
  });
});
