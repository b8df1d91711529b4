import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ALL_STREAM,
  EventType,
  InMemoryEventStore,
  On,
  Projection,
  ProjectionRunner,
  persistentSubscriptionsOf,
  type EventStore,
  type PositionedEvent,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentEmulator } from 'mneme/testing';
import { alternateBatches, type Batch } from '../harness.js';
import { scenarioReport, type ScenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

@EventType('BenchCompeting.Placed')
class Placed {
  constructor(readonly n: number) {}
}

/** Where the instances of one run report: the revisions of each stream in the order handled, and each instance's share. */
class Tally {
  handled = 0;
  readonly streams = new Map<string, number[]>();
  readonly byInstance: number[];
  done: () => void = () => undefined;
  constructor(
    readonly expected: number,
    instances: number,
  ) {
    this.byInstance = new Array<number>(instances).fill(0);
  }
}

let run = 0;

/** A competing projection of its own per run (a fresh group), whose handler waits `ioMs` as a call to another service would. */
function projection(tally: Tally, ioMs: number) {
  @Projection({ name: `bench-competing-${++run}`, from: { categories: ['BenchOrder'] }, mode: 'competing' })
  class Orders {
    constructor(readonly instance: number) {}

    @On(Placed) async placed(_event: Placed, recorded: PositionedEvent) {
      if (ioMs > 0) await sleep(ioMs);
      const seen = tally.streams.get(recorded.streamName) ?? [];
      seen.push(Number(recorded.revision));
      tally.streams.set(recorded.streamName, seen);
      tally.byInstance[this.instance]! += 1;
      if (++tally.handled === tally.expected) tally.done();
    }
  }
  return Orders;
}

/** One run's stores: the writer's, one per instance (the same in-memory store, or a client each on the emulator). */
interface Stores {
  readonly writer: EventStore;
  readonly instances: EventStore[];
  close(): Promise<void>;
}

interface State {
  readonly stores: Stores;
  readonly runners: ProjectionRunner[];
  readonly tally: Tally;
  readonly finished: Promise<void>;
}

const inMemory = (instances: number): Promise<Stores> => {
  const store = new InMemoryEventStore();
  return Promise.resolve({
    writer: store,
    instances: Array.from({ length: instances }, () => store),
    close: () => Promise.resolve(),
  });
};

const onEmulator = async (instances: number): Promise<Stores> => {
  const emulator = await startKurrentEmulator();
  const connect = () => new KurrentEventStore(emulator.connectionString);
  const writer = connect();
  const clients = Array.from({ length: instances }, connect);
  return {
    writer,
    instances: clients,
    close: async () => {
      await Promise.all([writer, ...clients].map((store) => store.close()));
      await emulator.close();
    },
  };
};

const WRITERS = 4;

/**
 * Total throughput of a competing projection: N app instances (one runner each, as separate
 * containers would be) against one, over the same events, from the first write until every event
 * was handled (the events are written inside the timed run by four writers, after every instance
 * joined, as in a running system). In memory the instances share one store; on KurrentDB (the
 * emulator) each has its own client. With handlers that wait on I/O the instances overlap their
 * waits; with handlers that only compute, one process gains nothing from more consumers.
 */
export async function competingScenarios(settings: BenchSettings): Promise<ScenarioReport[]> {
  const streams = settings.quick ? 100 : 1_000;
  const perStream = 10;
  const total = streams * perStream;
  const variant = (
    where: string,
    open: (instances: number) => Promise<Stores>,
    instances: number,
    ioMs: number,
  ): Batch<State, number[]> => ({
    name: `${instances} instance${instances === 1 ? '' : 's'}, handler ${ioMs > 0 ? `waits ${ioMs} ms` : 'computes only'}${where}`,
    // Every instance joins before the events are written: Pinned gives a stream to the instances
    // connected when it is first seen, so events written before the others join would all go to the first.
    setup: async () => {
      const stores = await open(instances);
      const tally = new Tally(total, instances);
      const finished = new Promise<void>((resolve) => (tally.done = resolve));
      const Orders = projection(tally, ioMs);
      const runners = stores.instances.map((store, instance) => new ProjectionRunner(store, [new Orders(instance)]));
      await Promise.all(runners.map((runner) => runner.start()));
      const group = runners[0]!.status()[0]!.group!;
      const groups = persistentSubscriptionsOf(stores.writer)!;
      while ((await groups.getGroupInfo(ALL_STREAM, group)).consumers.length < instances) await sleep(5);
      return { stores, runners, tally, finished };
    },
    // Timed: the events written (the same for every variant) and every one of them handled.
    run: async ({ stores, finished, tally }) => {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          for (let round = 0; round < perStream; round++)
            for (let stream = writer; stream < streams; stream += WRITERS)
              await stores.writer.appendToStream(`BenchOrder-${stream}`, [
                { type: 'BenchCompeting.Placed', data: { n: round } },
              ]);
        }),
      );
      await finished;
      return [...tally.byInstance];
    },
    after: async ({ stores, runners, tally }) => {
      await Promise.all(runners.map((runner) => runner.stop()));
      await stores.close();
      if (tally.handled !== total) throw new Error(`handled ${tally.handled} of ${total} events`);
      for (const [stream, revisions] of tally.streams)
        if (revisions.some((revision, i) => revision !== i)) throw new Error(`${stream} was handled out of order`);
    },
  });
  const emulated = ' (KurrentDB emulator)';
  const waiting = [variant('', inMemory, 1, 1), variant('', inMemory, 4, 1)];
  const computing = [variant('', inMemory, 1, 0), variant('', inMemory, 4, 0)];
  const kurrent = [variant(emulated, onEmulator, 1, 1), variant(emulated, onEmulator, 4, 1)];
  const rounds = settings.quick ? 1 : 3;
  const results = new Map([
    ...(await alternateBatches([...waiting, ...computing], rounds, true)),
    // Long runs: no untimed warm-up (the in-memory runs above warmed the code up).
    ...(await alternateBatches(kurrent, rounds, false)),
  ]);
  const report = (scenario: string, title: string, pair: Batch<State, number[]>[]) =>
    scenarioReport(
      scenario,
      `${title} (${total.toLocaleString('en-US')} events in ${streams.toLocaleString('en-US')} streams, Pinned)`,
      'event',
      1,
      new Map(pair.map(({ name }) => [name, results.get(name)!.medianMs / total])),
      [pair[0]!.name],
      (name) => ({ split: results.get(name)!.medianResult }),
    );
  return [
    report(
      'competing-io',
      '10. A competing projection whose handler waits on I/O: 4 instances vs 1 on one in-memory store',
      waiting,
    ),
    report(
      'competing-cpu',
      '10b. The same with a handler that only computes: 4 instances vs 1 in one process',
      computing,
    ),
    report(
      'competing-kurrent',
      '10c. The I/O handler on KurrentEventStore through the emulator: 4 instances vs 1, each instance its own client',
      kurrent,
    ),
  ];
}
