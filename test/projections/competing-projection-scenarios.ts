import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import {
  ALL_STREAM,
  EventType,
  On,
  Projection,
  ProjectionRunner,
  persistentSubscriptionsOf,
  type EventStore,
  type PositionedEvent,
  type ProjectionRunnerConfig,
} from 'mneme';

@EventType('ScaleOut.Placed')
export class Placed {
  constructor(readonly n: number) {}
}

/** What every instance of a test's projection writes to: one process, so one order of handling. */
export class Sink {
  /** `stream@revision` in the order handled, with the instance that handled it. */
  readonly handled: { instance: string; stream: string; revision: number }[] = [];
  /** Events (`stream@revision`) whose handler throws while they are listed. */
  readonly poisoned = new Set<string>();
  /** Called before the handler does anything: a test holds an instance here. */
  before: ((instance: string, recorded: PositionedEvent) => Promise<void> | void) | undefined;

  handledBy(instance: string): number {
    return this.handled.filter((entry) => entry.instance === instance).length;
  }

  /** Every stream's revisions, in the order they were handled (by whichever instance). */
  byStream(): Map<string, number[]> {
    const streams = new Map<string, number[]>();
    for (const { stream, revision } of this.handled) streams.set(stream, [...(streams.get(stream) ?? []), revision]);
    return streams;
  }
}

/** A competing projection over a category of its own, so runs against a shared server never see each other. */
export function competingProjection(sink: Sink) {
  const id = randomUUID().replace(/-/g, '');
  const category = `ScaleOrder${id}`;
  const name = `orders-${id}`;
  @Projection({ name, from: { categories: [category] }, mode: 'competing', messageTimeoutMs: 2_000 })
  class Orders {
    constructor(readonly instance: string) {}

    @On(Placed) async placed(_event: Placed, recorded: PositionedEvent) {
      await sink.before?.(this.instance, recorded);
      const key = `${recorded.streamName}@${recorded.revision}`;
      if (sink.poisoned.has(key)) throw new Error(`cannot place ${key}`);
      sink.handled.push({ instance: this.instance, stream: recorded.streamName, revision: Number(recorded.revision) });
    }
  }
  return { Orders, category, name };
}

/** Polls until `check` holds; the test's own timeout bounds it. */
export async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(20);
}

/** Appends `perStream` events to each of `streams` streams, four writers interleaving the streams. */
export async function appendOrders(store: EventStore, category: string, streams: number, perStream: number) {
  await Promise.all(
    Array.from({ length: 4 }, async (_, writer) => {
      for (let round = 0; round < perStream; round++)
        for (let stream = writer; stream < streams; stream += 4)
          await store.appendToStream(`${category}-${stream}`, [{ type: 'ScaleOut.Placed', data: { n: round } }]);
    }),
  );
}

export const fastRetries: ProjectionRunnerConfig = {
  handlerRetry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 },
  resubscribe: { initialDelayMs: 5, maxDelayMs: 50 },
};

export interface CompetingTarget {
  /** The store every instance shares (one connection per instance where the store has connections). */
  store(): EventStore;
  /**
   * A store for one instance that the test can kill as a crash would: its consumers drop without
   * acking what they hold (the connection goes away).
   */
  killableStore(): Promise<{ store: EventStore; kill(): Promise<void> }>;
  close(): Promise<void>;
}

const INSTANCES = ['a', 'b', 'c', 'd'];

async function waitForConsumers(store: EventStore, group: string, count: number) {
  const groups = persistentSubscriptionsOf(store)!;
  await eventually(async () => (await groups.getGroupInfo(ALL_STREAM, group)).consumers.length >= count);
}

/** The competing-mode suite, on one store: what holds on the in-memory store, the emulator and a real server. */
export function describeCompetingProjections(label: string, target: () => Promise<CompetingTarget>) {
  describe(`Competing projections on ${label}`, () => {
    it('shares a Pinned group among four instances: every event handled once, each stream in order, all four working', async () => {
      const t = await target();
      const sink = new Sink();
      const { Orders, category, name } = competingProjection(sink);
      const runners = INSTANCES.map((instance) => new ProjectionRunner(t.store(), [new Orders(instance)], fastRetries));
      try {
        await Promise.all(runners.map((runner) => runner.start()));
        await waitForConsumers(t.store(), name, INSTANCES.length);
        await appendOrders(t.store(), category, 200, 10);
        await runners[0]!.catchUp();

        const streams = sink.byStream();
        expect(streams.size).toBe(200);
        for (const revisions of streams.values()) expect(revisions).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        const split = Object.fromEntries(INSTANCES.map((instance) => [instance, sink.handledBy(instance)]));
        console.info(`[${label}] work split across four instances`, split);
        for (const instance of INSTANCES) expect(split[instance]).toBeGreaterThan(0);
        expect(runners.map((runner) => runner.status()[0]!.acked)).toEqual(INSTANCES.map((i) => split[i]));
        expect(runners[0]!.status()[0]).toMatchObject({ name, mode: 'competing', group: name, state: 'running' });
      } finally {
        await Promise.all(runners.map((runner) => runner.stop()));
        await t.close();
      }
    });

    it('redelivers what a killed instance held unacked to the others: nothing is lost', async () => {
      const t = await target();
      const sink = new Sink();
      const { Orders, category, name } = competingProjection(sink);
      const doomed = await t.killableStore();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const heldByDoomed: string[] = [];
      // The doomed instance takes its messages and hangs on them: a crash mid-batch.
      sink.before = async (instance, recorded) => {
        if (instance !== 'doomed') return;
        heldByDoomed.push(`${recorded.streamName}@${recorded.revision}`);
        await held;
      };
      const survivors = ['a', 'b', 'c'].map(
        (instance) => new ProjectionRunner(t.store(), [new Orders(instance)], fastRetries),
      );
      const doomedRunner = new ProjectionRunner(doomed.store, [new Orders('doomed')], fastRetries);
      try {
        await Promise.all([...survivors, doomedRunner].map((runner) => runner.start()));
        await waitForConsumers(t.store(), name, 4);
        await appendOrders(t.store(), category, 40, 5);
        await eventually(() => heldByDoomed.length > 0);
        await doomed.kill();
        await survivors[0]!.catchUp();

        expect(sink.handledBy('doomed')).toBe(0);
        const streams = sink.byStream();
        expect(streams.size).toBe(40);
        for (const revisions of streams.values()) expect([...new Set(revisions)].sort()).toEqual([0, 1, 2, 3, 4]);
        const redelivered = sink.handled.map(({ stream, revision }) => `${stream}@${revision}`);
        for (const event of heldByDoomed) expect(redelivered).toContain(event);
      } finally {
        release();
        await Promise.all([...survivors, doomedRunner].map((runner) => runner.stop()));
        await t.close();
      }
    });

    it('hands the events of an instance whose handler hangs (still connected) to the other after the message timeout: nothing lost, nothing parked', async () => {
      const t = await target();
      const sink = new Sink();
      const { Orders, category, name } = competingProjection(sink); // messageTimeoutMs: 2 000
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const hung: string[] = [];
      sink.before = async (instance, recorded) => {
        if (instance !== 'hung' || hung.length > 0) return;
        hung.push(`${recorded.streamName}@${recorded.revision}`);
        await held; // connected, never acking, for longer than the message timeout
      };
      const healthy = new ProjectionRunner(t.store(), [new Orders('a')], fastRetries);
      const stalled = new ProjectionRunner(t.store(), [new Orders('hung')], fastRetries);
      try {
        await Promise.all([healthy.start(), stalled.start()]);
        await waitForConsumers(t.store(), name, 2);
        await appendOrders(t.store(), category, 20, 3);
        await eventually(() => hung.length > 0);
        await healthy.catchUp();

        expect(sink.handledBy('hung')).toBe(0);
        expect(sink.handled.map(({ stream, revision }) => `${stream}@${revision}`)).toContain(hung[0]);
        const streams = sink.byStream();
        expect(streams.size).toBe(20);
        for (const revisions of streams.values()) expect([...new Set(revisions)].sort()).toEqual([0, 1, 2]);
        expect(await healthy.parkedCount(name)).toBe(0);
        expect(stalled.status()[0]).toMatchObject({ state: 'running', acked: 0 });

        // Once its handler returns, the instance joins the group again and takes work.
        release();
        await waitForConsumers(t.store(), name, 2);
        await appendOrders(t.store(), category, 20, 1);
        await healthy.catchUp();
        expect(new Set(sink.handled.map(({ stream, revision }) => `${stream}@${revision}`)).size).toBe(20 * 4);
      } finally {
        release();
        await Promise.all([healthy.stop(), stalled.stop()]);
        await t.close();
      }
    });

    it('parks an event whose handler keeps failing, lets the rest flow, and delivers it again on replayParked', async () => {
      const t = await target();
      const sink = new Sink();
      const { Orders, category, name } = competingProjection(sink);
      const poison = `${category}-3@1`;
      sink.poisoned.add(poison);
      const runners = ['a', 'b'].map(
        (instance) => new ProjectionRunner(t.store(), [new Orders(instance)], fastRetries),
      );
      const parked: string[] = [];
      runners.forEach((runner) =>
        runner.on('parked', (info) => parked.push(`${info.streamName}@${info.revision}:${info.attempts}`)),
      );
      try {
        await Promise.all(runners.map((runner) => runner.start()));
        await waitForConsumers(t.store(), name, 2);
        await appendOrders(t.store(), category, 20, 3);
        await runners[0]!.catchUp();

        expect(parked).toEqual([`${poison}:3`]); // the first call and maxRetries: 2
        await eventually(async () => (await runners[1]!.parkedCount(name)) === 1);
        const handled = sink.handled.map(({ stream, revision }) => `${stream}@${revision}`);
        expect(handled).not.toContain(poison);
        expect(new Set(handled).size).toBe(20 * 3 - 1);

        sink.poisoned.delete(poison); // the fix
        await runners[1]!.replayParked(name);
        await eventually(() => sink.handled.some(({ stream, revision }) => `${stream}@${revision}` === poison));
        await eventually(async () => (await runners[0]!.parkedCount(name)) === 0);
      } finally {
        await Promise.all(runners.map((runner) => runner.stop()));
        await t.close();
      }
    });
  });
}
