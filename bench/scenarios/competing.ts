import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ALL_STREAM,
  EventType,
  InMemoryEventStore,
  On,
  Projection,
  ProjectionRunner,
  type PositionedEvent,
} from 'mneme';
import { alternateBatches, type Batch } from '../harness.js';
import { scenarioReport, type ScenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

@EventType('BenchCompeting.Placed')
class Placed {
  constructor(readonly n: number) {}
}

/** Where the instances of one run report: the revisions of each stream in the order handled. */
class Tally {
  handled = 0;
  readonly streams = new Map<string, number[]>();
  done: () => void = () => undefined;
  constructor(readonly expected: number) {}
}

let run = 0;

/** A competing projection of its own per run (a fresh group), whose handler waits `ioMs` as a call to another service would. */
function projection(tally: Tally, ioMs: number) {
  @Projection({ name: `bench-competing-${++run}`, from: { categories: ['BenchOrder'] }, mode: 'competing' })
  class Orders {
    @On(Placed) async placed(_event: Placed, recorded: PositionedEvent) {
      if (ioMs > 0) await sleep(ioMs);
      const seen = tally.streams.get(recorded.streamName) ?? [];
      seen.push(Number(recorded.revision));
      tally.streams.set(recorded.streamName, seen);
      if (++tally.handled === tally.expected) tally.done();
    }
  }
  return Orders;
}

interface State {
  readonly store: InMemoryEventStore;
  readonly runners: ProjectionRunner[];
  readonly tally: Tally;
  readonly finished: Promise<void>;
}

/**
 * Total throughput of a competing projection: N app instances (one runner each, on one in-memory
 * store, as separate containers would be) against one, over the same events, from `start()` until
 * every event was handled (the events are written inside the timed run, after every instance
 * joined, as in a running system). With handlers that wait on I/O the instances overlap their waits; with
 * handlers that only compute, one process gains nothing from more consumers (run them on more cores).
 */
export async function competingScenarios(settings: BenchSettings): Promise<ScenarioReport[]> {
  const streams = settings.quick ? 40 : 200;
  const perStream = 10;
  const total = streams * perStream;
  const variant = (instances: number, ioMs: number): Batch<State, void> => ({
    name: `${instances} instance${instances === 1 ? '' : 's'}, handler ${ioMs > 0 ? `waits ${ioMs} ms` : 'computes only'}`,
    // Every instance joins before the events are written: Pinned gives a stream to the instances
    // connected when it is first seen, so events written before the others join would all go to the first.
    setup: async () => {
      const store = new InMemoryEventStore();
      const tally = new Tally(total);
      const finished = new Promise<void>((resolve) => (tally.done = resolve));
      const Orders = projection(tally, ioMs);
      const runners = Array.from({ length: instances }, () => new ProjectionRunner(store, [new Orders()]));
      await Promise.all(runners.map((runner) => runner.start()));
      const group = runners[0]!.status()[0]!.group!;
      while ((await store.persistentSubscriptions.getGroupInfo(ALL_STREAM, group)).consumers.length < instances)
        await sleep(5);
      return { store, runners, tally, finished };
    },
    // Timed: the events written (the same for every variant) and every one of them handled.
    run: async ({ store, finished }) => {
      for (let round = 0; round < perStream; round++)
        for (let stream = 0; stream < streams; stream++)
          await store.appendToStream(`BenchOrder-${stream}`, [{ type: 'BenchCompeting.Placed', data: { n: round } }]);
      await finished;
    },
    after: async ({ runners, tally }) => {
      await Promise.all(runners.map((runner) => runner.stop()));
      if (tally.handled !== total) throw new Error(`handled ${tally.handled} of ${total} events`);
      for (const [stream, revisions] of tally.streams)
        if (revisions.some((revision, i) => revision !== i)) throw new Error(`${stream} was handled out of order`);
    },
  });
  const waiting = [variant(1, 1), variant(4, 1)];
  const computing = [variant(1, 0), variant(4, 0)];
  const results = await alternateBatches([...waiting, ...computing], settings.quick ? 1 : 5, true);
  const report = (scenario: string, title: string, pair: Batch<State, void>[]) =>
    scenarioReport(
      scenario,
      `${title} (${total} events in ${streams} streams, in memory, Pinned)`,
      'event',
      1,
      new Map(pair.map(({ name }) => [name, results.get(name)!.medianMs / total])),
      [pair[0]!.name],
    );
  return [
    report(
      'competing-io',
      '10. A competing projection whose handler waits on I/O: 4 instances vs 1 on one store',
      waiting,
    ),
    report(
      'competing-cpu',
      '10b. The same with a handler that only computes: 4 instances vs 1 in one process',
      computing,
    ),
  ];
}
