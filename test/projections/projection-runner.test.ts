import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  CHECKPOINT_STREAM_PREFIX,
  CheckpointStore,
  EventType,
  InMemoryEventStore,
  InvalidProjectionError,
  On,
  Projection,
  ProjectionFailedError,
  ProjectionRunner,
  ProjectionRunnerNotRunningError,
  comparePositions,
  positionFromJSON,
  type GlobalPosition,
  type Logger,
} from 'mneme';
import { collect } from '../support/collect.js';
import { DroppingStore } from '../support/dropping-store.js';
import { ItemAdded, ItemsPerList, PingCounter, added, removed } from './projection-fixtures.js';

const fast = {
  handlerRetry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
  resubscribe: { initialDelayMs: 1, maxDelayMs: 4 },
};

/** Remembers every save, in memory. */
class RecordingCheckpoints extends CheckpointStore {
  readonly saved = new Map<string, GlobalPosition>();
  saves = 0;
  async load(projection: string) {
    return this.saved.get(projection);
  }
  async save(projection: string, position: GlobalPosition) {
    this.saves += 1;
    this.saved.set(projection, position);
  }
}

describe(ProjectionRunner.name, () => {
  it('catches up on past events, then follows live ones', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('List-a', [added('a', 'milk'), added('a', 'eggs')]);
    await store.appendToStream('List-b', [added('b', 'tea')]);
    const projection = new ItemsPerList();
    const runner = new ProjectionRunner(store, [projection], fast);
    await runner.start();
    await runner.catchUp();
    expect(projection.lists).toEqual(
      new Map([
        ['a', ['milk', 'eggs']],
        ['b', ['tea']],
      ]),
    );

    await store.appendToStream('List-a', [removed('a', 'milk')]);
    await store.appendToStream('List-b', [added('b', 'jam')]);
    await runner.catchUp();
    expect(projection.lists).toEqual(
      new Map([
        ['a', ['eggs']],
        ['b', ['tea', 'jam']],
      ]),
    );
    expect(projection.seen).toEqual(['List-a@0', 'List-a@1', 'List-b@0', 'List-a@2', 'List-b@1']);
    await runner.stop();
  });

  it('reads only its categories, never system streams, and ignores events it has no handler for', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('Other-1', [added('x', 'not mine')]);
    await store.appendToStream('$List-sys', [added('x', 'system')]);
    await store.appendToStream('List-a', [{ type: 'ProjectionTest.Unhandled', data: {} }, added('a', 'mine')]);
    const projection = new ItemsPerList();
    const runner = new ProjectionRunner(store, [projection], fast);
    await runner.start();
    await runner.catchUp();
    expect(projection.lists).toEqual(new Map([['a', ['mine']]]));
    await runner.stop();
  });

  it("from: 'all' reads the handled event types of every category, but no system stream", async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('A-1', [{ type: 'OtherTest.Pinged', data: { n: 1 } }]);
    await store.appendToStream('B-1', [{ type: 'OtherTest.Pinged', data: { n: 2 } }, added('b', 'ignored')]);
    await store.appendToStream('$system-1', [{ type: 'OtherTest.Pinged', data: { n: 3 } }]);
    const pings = new PingCounter();
    const runner = new ProjectionRunner(store, [pings], fast);
    await runner.start();
    await runner.catchUp();
    expect(pings.count).toBe(2);
    await runner.stop();
  });

  it('keeps checkpoints in a stream per projection and resumes from them after a restart', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream(
      'List-a',
      Array.from({ length: 7 }, (_, i) => added('a', `item${i}`)),
    );
    const first = new ItemsPerList();
    const runner = new ProjectionRunner(store, [first], { ...fast, checkpointEvery: { events: 3, ms: 60_000 } });
    await runner.start();
    await runner.catchUp();
    await runner.stop();
    const checkpoints = await collect(store.readStream(`${CHECKPOINT_STREAM_PREFIX}items-per-list`));
    expect(checkpoints.length).toBeGreaterThanOrEqual(2); // after 3 and 6 events, and on stop
    const all = await collect(store.readAll({ filter: { streamNamePrefixes: ['List-'] } }));
    // At the last list event, or past it (the store may report having looked past the checkpoint events).
    const saved = positionFromJSON((checkpoints.at(-1)!.data as { position: unknown }).position)!;
    expect(comparePositions(saved, all.at(-1)!.position)).toBeGreaterThanOrEqual(0);

    await store.appendToStream('List-a', [added('a', 'new')]);
    const second = new ItemsPerList();
    const restarted = new ProjectionRunner(store, [second], fast);
    await restarted.start();
    await restarted.catchUp();
    expect(second.seen).toEqual(['List-a@7']);
    await restarted.stop();
  });

  it('after a crash, reprocesses at most one checkpoint interval', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream(
      'List-a',
      Array.from({ length: 10 }, (_, i) => added('a', `item${i}`)),
    );
    const checkpoints = new RecordingCheckpoints();
    const crashed = new ItemsPerList();
    const runner = new ProjectionRunner(store, [crashed], {
      ...fast,
      checkpointStore: checkpoints,
      checkpointEvery: { events: 4, ms: 60_000 },
    });
    await runner.start();
    await runner.catchUp();
    // No stop(): the process died. Saved after 4 and 8 events.
    const restartedProjection = new ItemsPerList();
    const restarted = new ProjectionRunner(store, [restartedProjection], { ...fast, checkpointStore: checkpoints });
    await restarted.start();
    await restarted.catchUp();
    expect(restartedProjection.seen).toEqual(['List-a@8', 'List-a@9']);
    await Promise.all([runner.stop(), restarted.stop()]);
  });

  it('stop() waits for the handler in flight and saves its position', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new RecordingCheckpoints();
    const projection = new ItemsPerList();
    let release!: () => void;
    projection.gate = new Promise((resolve) => (release = resolve));
    const runner = new ProjectionRunner(store, [projection], { ...fast, checkpointStore: checkpoints });
    const entered = new Promise<void>((resolve) => (projection.entered = resolve));
    await runner.start();
    await store.appendToStream('List-a', [added('a', 'slow')]);
    await entered;
    const stopping = runner.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(projection.seen).toEqual(['List-a@0']);
    const [event] = await collect(store.readAll());
    expect(checkpoints.saved.get('items-per-list')).toEqual(event!.position);
  });

  it('retries a throwing handler and goes on when it recovers', async () => {
    const store = new InMemoryEventStore();
    const projection = new ItemsPerList();
    projection.failOn = 'milk';
    projection.failTimes = 2;
    const runner = new ProjectionRunner(store, [projection], fast);
    await runner.start();
    await store.appendToStream('List-a', [added('a', 'milk')]);
    await runner.catchUp();
    expect(projection.lists.get('a')).toEqual(['milk']);
    expect(projection.failures).toBe(2);
    await runner.stop();
  });

  it('stops a projection whose handler keeps failing, reports it, and never skips the event', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new RecordingCheckpoints();
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (message) => void warnings.push(message), error() {} };
    const projection = new ItemsPerList();
    projection.failOn = 'poison';
    const runner = new ProjectionRunner(store, [projection], { ...fast, checkpointStore: checkpoints, logger });
    const failures: ProjectionFailedError[] = [];
    runner.on('failed', (error) => failures.push(error));
    await store.appendToStream('List-a', [added('a', 'milk'), added('a', 'poison'), added('a', 'eggs')]);
    await runner.start();

    const error = await runner.catchUp().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectionFailedError);
    expect(error).toMatchObject({
      projection: 'items-per-list',
      streamName: 'List-a',
      revision: 1n,
      attempts: 3,
      code: 'MNEME_PROJECTION_FAILED',
    });
    expect((error as ProjectionFailedError).cause).toMatchObject({ message: 'cannot add poison' });
    expect(failures).toEqual([error]);
    expect(projection.failures).toBe(3);
    expect(warnings.filter((w) => w.includes('retrying'))).toHaveLength(2);
    expect(runner.status()).toEqual([expect.objectContaining({ name: 'items-per-list', state: 'failed', error })]);
    expect(projection.lists.get('a')).toEqual(['milk']); // eggs was not reached: nothing skipped
    await expect(runner.catchUp()).rejects.toBe(error);

    // Fixed: a restart handles the failed event first.
    projection.failOn = undefined;
    await runner.stop();
    await runner.start();
    await runner.catchUp();
    expect(projection.lists.get('a')).toEqual(['milk', 'poison', 'eggs']);
    await runner.stop();
  });

  it('resubscribes from its position, with growing delays, when the subscription drops', async () => {
    const inner = new InMemoryEventStore();
    await inner.appendToStream('List-a', [added('a', '1'), added('a', '2'), added('a', '3')]);
    const store = new DroppingStore(inner, 2, 1); // two subscriptions in a row drop after one event
    const projection = new ItemsPerList();
    const runner = new ProjectionRunner(store, [projection], {
      ...fast,
      resubscribe: { initialDelayMs: 2, maxDelayMs: 1000 },
    });
    const delays: number[] = [];
    runner.on('resubscribing', ({ delayMs, attempt }) => {
      delays.push(delayMs);
      expect(attempt).toBe(1); // each resubscription delivered an event first: the backoff restarts
    });
    await runner.start();
    await runner.catchUp();
    expect(projection.seen).toEqual(['List-a@0', 'List-a@1', 'List-a@2']); // once each, in order
    expect(store.subscriptions).toBe(3);
    expect(store.subscribedFrom.map((p) => p?.commit)).toEqual([undefined, 0n, 1n]);
    expect(delays).toHaveLength(2);
    await runner.stop();
  });

  it('backs off exponentially while resubscriptions keep failing', async () => {
    const inner = new InMemoryEventStore();
    await inner.appendToStream('List-a', [added('a', '1')]);
    const store = new DroppingStore(inner, 5, 0); // five subscriptions fail before delivering anything
    const runner = new ProjectionRunner(store, [new ItemsPerList()], {
      ...fast,
      resubscribe: { initialDelayMs: 2, maxDelayMs: 16 },
    });
    const attempts: { attempt: number; delayMs: number }[] = [];
    runner.on('resubscribing', ({ attempt, delayMs }) => attempts.push({ attempt, delayMs }));
    await runner.start();
    await runner.catchUp();
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5]);
    // Equal jitter: each delay is between half its bound and its bound (2, 4, 8, 16, 16 ms).
    const bounds = [2, 4, 8, 16, 16];
    attempts.forEach(({ delayMs }, i) => {
      expect(delayMs).toBeGreaterThanOrEqual(bounds[i]! / 2);
      expect(delayMs).toBeLessThanOrEqual(bounds[i]!);
    });
    await runner.stop();
  });

  it('survives a store that refuses to subscribe, and resubscribes until it accepts', async () => {
    const inner = new InMemoryEventStore();
    await inner.appendToStream('List-a', [added('a', 'milk')]);
    let refusals = 2;
    const store = new DroppingStore(inner, 0, 0);
    const subscribe = store.subscribeToAll.bind(store);
    store.subscribeToAll = (options) => {
      if (refusals-- > 0) throw new Error('not connected');
      return subscribe(options);
    };
    const projection = new ItemsPerList();
    const runner = new ProjectionRunner(store, [projection], fast);
    const attempts: number[] = [];
    runner.on('resubscribing', ({ attempt }) => attempts.push(attempt));
    await runner.start();
    await runner.catchUp();
    expect(projection.lists.get('a')).toEqual(['milk']);
    expect(attempts).toEqual([1, 2]);
    await runner.stop();
  });

  it('advances the position of a sparse projection past events it does not read', async () => {
    const store = new InMemoryEventStore();
    const pings = new PingCounter();
    const checkpoints = new RecordingCheckpoints();
    await store.appendToStream('A-1', [{ type: 'OtherTest.Pinged', data: { n: 1 } }]);
    const runner = new ProjectionRunner(store, [pings], { ...fast, checkpointStore: checkpoints });
    await runner.start();
    await runner.catchUp();
    await store.appendToStream(
      'Noise-1',
      Array.from({ length: 5 }, () => added('n', 'noise')),
    );
    const noise = await collect(store.readAll({ filter: { streamNamePrefixes: ['Noise-'] } }));
    await runner.stop();
    expect(comparePositions(checkpoints.saved.get('pings')!, noise.at(-1)!.position)).toBe(0);
  });

  it('writes no checkpoints while idle, even when its event-type prefixes match checkpoint events', async () => {
    @EventType('mneme')
    class Mneme {}
    @Projection({ name: 'greedy', from: 'all' })
    class Greedy {
      @On(Mneme) on() {}
    }
    const store = new InMemoryEventStore();
    await store.appendToStream('M-1', [{ type: 'mneme', data: {} }]);
    await store.appendToStream('List-a', [added('a', 'milk')]);
    const runner = new ProjectionRunner(store, [new Greedy(), new ItemsPerList()], {
      ...fast,
      checkpointEvery: { events: 100, ms: 2 },
    });
    await runner.start();
    await runner.catchUp();
    await new Promise((resolve) => setTimeout(resolve, 100)); // fifty intervals
    await runner.stop();
    // Idle projections write no checkpoint per interval (one after the first events, maybe one on stop).
    for (const name of ['greedy', 'items-per-list']) {
      expect((await collect(store.readStream(`${CHECKPOINT_STREAM_PREFIX}${name}`))).length).toBeLessThanOrEqual(2);
    }
  });

  it('start() rejects when a checkpoint cannot be loaded, and can be called again', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream(`${CHECKPOINT_STREAM_PREFIX}items-per-list`, [
      { type: 'mneme.checkpoint', data: { position: 'garbage' } },
    ]);
    const runner = new ProjectionRunner(store, [new ItemsPerList()], fast);
    await expect(runner.start()).rejects.toMatchObject({
      code: 'MNEME_INVALID_CHECKPOINT',
      projection: 'items-per-list',
    });
    await expect(runner.catchUp()).rejects.toThrow(ProjectionRunnerNotRunningError);
    await store.appendToStream(`${CHECKPOINT_STREAM_PREFIX}items-per-list`, [
      { type: 'mneme.checkpoint', data: { position: { commit: '0', prepare: '0' } } },
    ]);
    await Promise.all([runner.start(), runner.start()]);
    await runner.catchUp();
    await runner.stop();
  });

  it('catchUp() rejects before start() and after stop()', async () => {
    const runner = new ProjectionRunner(new InMemoryEventStore(), [new ItemsPerList()], fast);
    await expect(runner.catchUp()).rejects.toMatchObject({
      code: 'MNEME_PROJECTION_RUNNER_NOT_RUNNING',
      reason: 'not-started',
    });
    await runner.start();
    await runner.stop();
    await expect(runner.catchUp()).rejects.toThrow(ProjectionRunnerNotRunningError);
  });

  it('rejects classes that are not projections, duplicate names and projections without handlers', () => {
    class Plain {}
    @Projection({ name: 'items-per-list', from: 'all' })
    class SameName {
      @On(ItemAdded) add() {}
    }
    @Projection({ name: 'empty', from: 'all' })
    class Empty {}
    const store = new InMemoryEventStore();
    expect(() => new ProjectionRunner(store, [new Plain()])).toThrow(InvalidProjectionError);
    expect(() => new ProjectionRunner(store, [new ItemsPerList(), new SameName()])).toThrow(
      /two projections have this name/,
    );
    expect(() => new ProjectionRunner(store, [new Empty()])).toThrow(/no @On/);
    expect(() => Projection({ name: 'x', from: { categories: ['Bank-Account'] } })).toThrow(TypeError);
    expect(() => new ProjectionRunner(store, [], { checkpointEvery: { events: 0 } })).toThrow(/checkpointEvery.events/);
  });
});
