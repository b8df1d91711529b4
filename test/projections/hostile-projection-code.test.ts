import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CheckpointAheadOfLogError,
  CheckpointStore,
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InvalidConfigurationError,
  ProjectionFailedError,
  ProjectionRunner,
  ProjectionTimeoutError,
  mnemeModule,
  type GlobalPosition,
} from 'mneme';
import { Container } from 'inversify';
import { collect } from '../support/collect.js';
import { ItemsPerList, added } from './projection-fixtures.js';

const never = new Promise<never>(() => undefined);

/** A checkpoint store whose calls can be made to hang. */
class HangingCheckpoints extends CheckpointStore {
  readonly saved = new Map<string, GlobalPosition>();
  hangLoads = false;
  hangSaves = false;
  saves = 0;
  async load(projection: string) {
    if (this.hangLoads) return never;
    return this.saved.get(projection);
  }
  async save(projection: string, position: GlobalPosition) {
    this.saves += 1;
    if (this.hangSaves) return never;
    this.saved.set(projection, position);
  }
}

/** ItemsPerList whose handler, for one item, returns a promise that never settles (a forgotten resolve). */
class HangingItems extends ItemsPerList {
  hangOn: string | undefined;
  /** How many calls hang before the handler works (default: all). */
  hangTimes = Infinity;
  hung = 0;
  enteredHang: (() => void) | undefined;
  override async add(...args: Parameters<ItemsPerList['add']>) {
    if (args[0].item === this.hangOn && this.hung < this.hangTimes) {
      this.hung += 1;
      this.enteredHang?.();
      return never;
    }
    return super.add(...args);
  }
}

describe('projection handlers and checkpoint stores that never settle', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('counts a handler that never settles as a failed attempt: retried, then the projection stops on the event with a ProjectionTimeoutError as cause', async () => {
    const store = new InMemoryEventStore();
    const projection = new HangingItems();
    projection.hangOn = 'stuck';
    const runner = new ProjectionRunner(store, [projection], {
      handlerTimeoutMs: 30,
      handlerRetry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    });
    await store.appendToStream('List-a', [added('a', 'milk'), added('a', 'stuck'), added('a', 'eggs')]);
    await runner.start();
    const error = await runner.catchUp().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectionFailedError);
    expect(error).toMatchObject({ revision: 1n, attempts: 3 });
    const cause = (error as ProjectionFailedError).cause;
    expect(cause).toBeInstanceOf(ProjectionTimeoutError);
    expect(cause).toMatchObject({
      code: 'MNEME_PROJECTION_TIMEOUT',
      operation: 'handler',
      timeoutMs: 30,
      event: { eventType: 'ProjectionTest.ItemAdded', revision: 1n },
    });
    expect(projection.hung).toBe(3);
    expect(projection.lists.get('a')).toEqual(['milk']);
    expect((await runner.stop()).abandoned).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('goes on when a handler that hung once works on its retry', async () => {
    const store = new InMemoryEventStore();
    const projection = new HangingItems();
    projection.hangOn = 'slow';
    projection.hangTimes = 1;
    const runner = new ProjectionRunner(store, [projection], {
      handlerTimeoutMs: 30,
      handlerRetry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
    });
    await store.appendToStream('List-a', [added('a', 'slow'), added('a', 'eggs')]);
    await runner.start();
    await runner.catchUp();
    expect(projection.lists.get('a')).toEqual(['slow', 'eggs']);
    expect((await runner.stop()).abandoned).toEqual([]);
  });

  it('stop() returns while a handler hangs, reports the event it abandoned, and keeps the checkpoint before it', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new HangingCheckpoints();
    const projection = new HangingItems();
    projection.hangOn = 'stuck';
    const entered = new Promise<void>((resolve) => (projection.enteredHang = resolve));
    const runner = new ProjectionRunner(store, [projection], {
      checkpointStore: checkpoints,
      handlerTimeoutMs: 50,
      // Retries far apart: stop() comes while the handler hangs or waits for its retry.
      handlerRetry: { maxAttempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    await store.appendToStream('List-a', [added('a', 'milk'), added('a', 'stuck'), added('a', 'eggs')]);
    await runner.start();
    await entered;
    const report = await runner.stop();
    const [first, stuck] = await collect(store.readAll());
    expect(report.abandoned).toEqual([
      {
        projection: 'items-per-list',
        kind: 'handler',
        event: { eventType: 'ProjectionTest.ItemAdded', streamName: 'List-a', revision: 1n, position: stuck!.position },
      },
    ]);
    expect(checkpoints.saved.get('items-per-list')).toEqual(first!.position);
    expect(runner.status()[0]).toMatchObject({ state: 'stopped' });
    expect(unhandled).toEqual([]);

    // A restart hands the abandoned event to the handler again.
    projection.hangOn = undefined;
    const again = new ProjectionRunner(store, [projection], { checkpointStore: checkpoints, handlerTimeoutMs: 50 });
    await again.start();
    await again.catchUp();
    expect(projection.lists.get('a')).toEqual(['milk', 'stuck', 'eggs']);
    await again.stop();
  });

  it('keeps handling events while every checkpoint save hangs, and stop() reports the checkpoint it could not save', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new HangingCheckpoints();
    checkpoints.hangSaves = true;
    const projection = new ItemsPerList();
    const runner = new ProjectionRunner(store, [projection], {
      checkpointStore: checkpoints,
      handlerTimeoutMs: 30,
      checkpointEvery: { events: 1 },
    });
    await store.appendToStream('List-a', [added('a', 'milk'), added('a', 'eggs'), added('a', 'tea')]);
    await runner.start();
    await runner.catchUp();
    expect(projection.lists.get('a')).toEqual(['milk', 'eggs', 'tea']);
    expect(checkpoints.saves).toBeGreaterThanOrEqual(3);
    const report = await runner.stop();
    const [, , last] = await collect(store.readAll());
    expect(report.abandoned).toEqual([{ projection: 'items-per-list', kind: 'checkpoint', position: last!.position }]);
    expect(unhandled).toEqual([]);
  });

  it('fails start() with a ProjectionTimeoutError when the checkpoint load never settles', async () => {
    const checkpoints = new HangingCheckpoints();
    checkpoints.hangLoads = true;
    const runner = new ProjectionRunner(new InMemoryEventStore(), [new ItemsPerList()], {
      checkpointStore: checkpoints,
      handlerTimeoutMs: 30,
    });
    const error = await runner.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectionTimeoutError);
    expect(error).toMatchObject({ operation: 'checkpoint-load', projection: 'items-per-list' });
    expect((await runner.stop()).abandoned).toEqual([]);
  });

  it.each([0, -1, 1.5, 2 ** 31, Number.NaN, '100'])(
    'refuses handlerTimeoutMs %p, in the runner and at container.load',
    (handlerTimeoutMs) => {
      expect(
        () => new ProjectionRunner(new InMemoryEventStore(), [], { handlerTimeoutMs: handlerTimeoutMs as number }),
      ).toThrow(InvalidConfigurationError);
      expect(() =>
        new Container().load(mnemeModule({ projectionRunner: { handlerTimeoutMs: handlerTimeoutMs as number } })),
      ).toThrow(InvalidConfigurationError);
    },
  );
});

describe('a checkpoint ahead of the log (the event store was reset)', () => {
  it('fails start() with CheckpointAheadOfLogError instead of silently skipping to it', async () => {
    const old = new InMemoryEventStore();
    await old.appendToStream('List-a', [added('a', 'milk'), added('a', 'eggs'), added('a', 'tea'), added('a', 'jam')]);
    const checkpoints = new InMemoryCheckpointStore();
    const first = new ProjectionRunner(old, [new ItemsPerList()], { checkpointStore: checkpoints });
    await first.start();
    await first.catchUp();
    await first.stop();
    const saved = await checkpoints.load('items-per-list');

    // The store is reset; the checkpoint store is not. Two events are written again.
    const reset = new InMemoryEventStore();
    await reset.appendToStream('List-b', [added('b', 'bread'), added('b', 'salt')]);
    const projection = new ItemsPerList();
    const runner = new ProjectionRunner(reset, [projection], { checkpointStore: checkpoints });
    const error = await runner.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointAheadOfLogError);
    const [, last] = await collect(reset.readAll());
    expect(error).toMatchObject({
      code: 'MNEME_CHECKPOINT_AHEAD_OF_LOG',
      projection: 'items-per-list',
      checkpoint: saved,
      head: last!.position,
    });
    expect(projection.lists.size).toBe(0);
  });

  it('fails start() when the log is empty but a checkpoint exists', async () => {
    const checkpoints = new InMemoryCheckpointStore();
    await checkpoints.save('items-per-list', { commit: 0n, prepare: 0n });
    const error = await new ProjectionRunner(new InMemoryEventStore(), [new ItemsPerList()], {
      checkpointStore: checkpoints,
    })
      .start()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MNEME_CHECKPOINT_AHEAD_OF_LOG', head: undefined });
  });

  it('resumes from a checkpoint at the last event of the log', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('List-a', [added('a', 'milk')]);
    const checkpoints = new InMemoryCheckpointStore();
    const [only] = await collect(store.readAll());
    await checkpoints.save('items-per-list', only!.position);
    const projection = new ItemsPerList();
    const runner = new ProjectionRunner(store, [projection], { checkpointStore: checkpoints });
    await runner.start();
    await store.appendToStream('List-a', [added('a', 'eggs')]);
    await runner.catchUp();
    expect(projection.lists.get('a')).toEqual(['eggs']);
    await runner.stop();
  });
});
