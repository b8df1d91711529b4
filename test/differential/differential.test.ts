import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  DomainError,
  InMemoryEventStore,
  MnemeError,
  MultiStreamAppendUnsupportedError,
  SnapshotStore,
  deserializeEvent,
  snapshotStreamName,
  type EventStore,
  type RecordedEvent,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { collect } from '../support/collect.js';
import { startKurrentTarget, type KurrentTarget } from '../support/kurrent-target.js';
import {
  describeConfig,
  fullReplay,
  pipelineConfigs,
  startInstance,
  type AppInstance,
  type PipelineConfig,
  type SendResult,
} from './pipeline.js';
import { Add, Added, Move, Mover, Reset, ResetTally, Tally, stateOf, type TallyState } from './tally.js';

// The differential test: the same random command sequences, with faults, through every
// configuration of the pipeline; after every step each path must agree with a plain full replay.
// MNEME_DIFFERENTIAL_RUNS=200 for a longer run (it scales the emulator's runs too);
// MNEME_DIFFERENTIAL_SEED to replay a failure.
const RUNS = Number(process.env.MNEME_DIFFERENTIAL_RUNS ?? 12);
const SEED = Number(process.env.MNEME_DIFFERENTIAL_SEED ?? 20261207);
const TALLIES = 2;

type Step =
  | { kind: 'add'; instance: number; tally: number; amount: number }
  | { kind: 'reset'; instance: number; tally: number }
  | { kind: 'resend'; instance: number; of: number }
  | { kind: 'race'; tally: number; amount: number }
  | { kind: 'concurrent'; tally: number; amounts: [number, number]; legacy: number }
  | { kind: 'legacy'; tally: number; by: number }
  | { kind: 'dropReply'; instance: number; tally: number; amount: number }
  | { kind: 'softDelete'; tally: number }
  | { kind: 'truncate'; tally: number; keep: number }
  | { kind: 'move'; instance: number; reverse: boolean; amount: number; copy: boolean; dropReply: boolean };

const instance = fc.nat(7);
const tally = fc.nat(TALLIES - 1);
const amount = fc.integer({ min: 1, max: 9 });
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), instance, tally, amount }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), instance, tally }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resend' as const), instance, of: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('race' as const), tally, amount }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('concurrent' as const),
      tally,
      amounts: fc.tuple(amount, amount),
      legacy: fc.nat(3),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('legacy' as const), tally, by: amount }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropReply' as const), instance, tally, amount }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('softDelete' as const), tally }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), tally, keep: fc.nat(3) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      instance,
      reverse: fc.boolean(),
      amount,
      copy: fc.boolean(),
      dropReply: fc.boolean(),
    }),
  },
);

/** The shared store of one run, with the stream-lifecycle faults it can produce (KurrentDB only). */
interface TargetStore {
  readonly store: EventStore;
  softDelete?(streamName: string): Promise<void>;
  truncateBefore?(streamName: string, revision: bigint): Promise<void>;
  /** A real server may predate multi-stream appends: moves then fail with MultiStreamAppendUnsupportedError, and are skipped. */
  multiStreamOptional?: boolean;
}

/** A sent command: what to send again, and what each send returned. */
interface Sent {
  readonly command: Add | ResetTally | Move;
  readonly commandId: string;
}

let runs = 0;
/** Stream names unique to this process: a real server (KURRENTDB_CONNECTION_STRING) keeps earlier runs' streams. */
const PROCESS = randomUUID().slice(0, 8);

/** Runs one sequence on one configuration, checking after every step. */
async function runSequence(config: PipelineConfig, target: TargetStore, steps: readonly Step[]): Promise<void> {
  const run = `${PROCESS}r${++runs}`;
  const ids = Array.from({ length: TALLIES }, (_, i) => `${run}-t${i}`);
  const streamOf = (tallyIndex: number) => `Tally-${ids[tallyIndex]}`;
  const instances: AppInstance[] = Array.from({ length: config.instances }, () =>
    startInstance(config, target.store, [Tally], [Mover]),
  );
  // Moves need a decision across two tallies: the bus, on a store with appendToStreams.
  const decides = instances.every((app) => app.decides);
  const pick = (index: number) => instances[index % instances.length]!;
  const sent: Sent[] = [];
  let commandNumber = 0;
  const newCommand = (command: Add | ResetTally | Move): Sent => {
    const entry = { command, commandId: `${run}-c${++commandNumber}` };
    sent.push(entry);
    return entry;
  };
  const touched = new Set<number>();

  for (const [index, step] of steps.entries()) {
    const where = () => `${describeConfig(config)}, step ${index} ${JSON.stringify(step)}`;
    const results: Array<{ sent: Sent; outcome: PromiseSettledResult<SendResult> }> = [];
    const send = async (to: AppInstance, entry: Sent) => {
      const [outcome] = await Promise.allSettled([to.send(entry.command, entry.commandId)]);
      results.push({ sent: entry, outcome: outcome! });
    };
    switch (step.kind) {
      case 'add':
        touched.add(step.tally);
        await send(pick(step.instance), newCommand(new Add(ids[step.tally]!, step.amount)));
        break;
      case 'reset':
        touched.add(step.tally);
        await send(pick(step.instance), newCommand(new ResetTally(ids[step.tally]!)));
        break;
      case 'resend':
        if (sent.length === 0) continue;
        await send(pick(step.instance), sent[step.of % sent.length]!);
        break;
      case 'race': {
        // The same command at once to two instances (a queue's redelivery), or twice into one.
        touched.add(step.tally);
        const entry = newCommand(new Add(ids[step.tally]!, step.amount));
        await Promise.all([send(pick(0), entry), send(pick(1), entry)]);
        break;
      }
      case 'concurrent': {
        touched.add(step.tally);
        const first = newCommand(new Add(ids[step.tally]!, step.amounts[0]));
        const second = newCommand(new Add(ids[step.tally]!, step.amounts[1]));
        await Promise.all([
          send(pick(0), first),
          send(pick(1), second),
          ...(step.legacy > 0 ? [writeLegacy(target.store, streamOf(step.tally), step.legacy)] : []),
        ]);
        break;
      }
      case 'legacy':
        touched.add(step.tally);
        await writeLegacy(target.store, streamOf(step.tally), step.by);
        break;
      case 'dropReply': {
        touched.add(step.tally);
        const to = pick(step.instance);
        to.store.dropReplies = 1;
        await send(to, newCommand(new Add(ids[step.tally]!, step.amount)));
        to.store.dropReplies = 0;
        break;
      }
      case 'softDelete':
        if (!target.softDelete || !touched.has(step.tally)) continue;
        // Deleting a stream that never held an event is refused by the server: nothing to delete.
        if ((await collect(target.store.readStream(streamOf(step.tally)))).length === 0) continue;
        await target.softDelete(streamOf(step.tally));
        break;
      case 'move': {
        // A decision over both tallies, appended in one commit.
        if (!decides) continue;
        touched.add(0).add(1);
        const [from, to] = step.reverse ? [1, 0] : [0, 1];
        const app = pick(step.instance);
        app.store.dropReplies = step.dropReply ? 1 : 0; // the commit applied, its reply lost: retried as a re-send
        await send(app, newCommand(new Move(ids[from]!, ids[to]!, step.amount, step.copy)));
        app.store.dropReplies = 0;
        break;
      }
      case 'truncate': {
        if (!target.truncateBefore || !touched.has(step.tally)) continue;
        const records = await collect(target.store.readStream(streamOf(step.tally)));
        if (records.length === 0) continue;
        // The last `keep` events stay readable (0: all gone, the stream reads as empty).
        await target.truncateBefore(streamOf(step.tally), records.at(-1)!.revision + 1n - BigInt(step.keep));
        break;
      }
    }

    // Every command's answer is what was stored for it, stored once.
    for (const { sent: entry, outcome } of results) {
      if (outcome.status === 'rejected') {
        const error = outcome.reason as unknown;
        if (error instanceof DomainError || (MnemeError.is(error) && error.code === 'MNEME_AGGREGATE_NOT_FOUND'))
          continue;
        if (target.multiStreamOptional && MultiStreamAppendUnsupportedError.is(error)) continue;
        throw new Error(
          `${where()}: command ${entry.commandId} failed: ${error instanceof Error ? error.stack : String(error)}`,
        );
      }
      // A decision over two tallies answers per stream; a single-tally command for its one stream.
      const answers =
        entry.command instanceof Move
          ? Object.values(outcome.value.streams!).map((stream) => ({
              stream: stream.streamName,
              events: stream.events,
              revision: stream.nextExpectedRevision,
            }))
          : [
              {
                stream: `Tally-${entry.command.id}`,
                events: outcome.value.events,
                revision: outcome.value.nextExpectedRevision,
              },
            ];
      for (const answer of answers) {
        const stored = (await collect(target.store.readStream(answer.stream))).filter(
          (recorded) => recorded.metadata.commandId === entry.commandId,
        );
        expect({
          where: where(),
          commandId: entry.commandId,
          stream: answer.stream,
          events: plain(answer.events),
        }).toEqual({
          where: where(),
          commandId: entry.commandId,
          stream: answer.stream,
          events: plain(stored.map((recorded) => deserializeEvent(recorded))),
        });
        if (stored.length > 0)
          expect({ where: where(), revision: answer.revision }).toEqual({
            where: where(),
            revision: stored.at(-1)!.revision,
          });
      }
      const stream = `Tally-${entry.command instanceof Move ? entry.command.fromId : entry.command.id}`;
      // The state a command ends with (execute()) is a full replay's: up to its events when other
      // writers ran at the same time, the whole stream otherwise (a re-send answers from it all).
      const { endState } = outcome.value;
      if (endState) {
        const records = await collect(target.store.readStream(stream));
        const upTo =
          step.kind === 'concurrent' ? outcome.value.nextExpectedRevision : (records.at(-1)?.revision ?? -1n);
        const { revision: _revision, ...folded } = fold(records.filter((recorded) => recorded.revision <= upTo));
        const { revision: _ends, ...ends } = endState;
        expect({ where: where(), commandId: entry.commandId, endsWith: ends }).toEqual({
          where: where(),
          commandId: entry.commandId,
          endsWith: folded,
        });
      }
    }

    // Every instance decides from, and loads, what a full replay gives; the latest snapshot holds what the appliers made.
    for (const tallyIndex of touched) {
      const id = ids[tallyIndex]!;
      const reference = stateOf(await fullReplay(target.store, Tally, id));
      for (const [number, app] of instances.entries()) {
        const seen = await app.decidesFrom(id);
        expect({ where: where(), instance: number, decidesFrom: seen }).toEqual({
          where: where(),
          instance: number,
          decidesFrom: reference,
        });
        const loaded = await app.loads(id);
        expect({ where: where(), instance: number, loads: loaded }).toEqual({
          where: where(),
          instance: number,
          loads: reference,
        });
      }
      await checkLatestSnapshot(target.store, id, where);
    }
  }
}

/** Another producer (an older version of the app) writes an event under the old name and schema. */
async function writeLegacy(store: EventStore, streamName: string, by: number): Promise<void> {
  await store.appendToStream(streamName, [{ type: 'Tally.Incremented', data: { by } }]);
}

/** A snapshot the repository would accept (its event is still there, same id) equals the appliers' fold up to it. */
async function checkLatestSnapshot(store: EventStore, id: string, where: () => string): Promise<void> {
  const snapshot = await new SnapshotStore(store).readLatest(snapshotStreamName('Tally', id));
  if (!snapshot) return;
  const records = await collect(store.readStream(`Tally-${id}`));
  const covered = records.find((recorded) => recorded.revision === snapshot.revision);
  if (!covered || covered.id !== snapshot.eventId) return; // refused on load, replayed in full
  // Truncated below the history it was built from: refused too (where streams can be truncated).
  const first = records[0];
  if (
    !store.appendOnly &&
    (first?.revision !== (snapshot.firstRevision ?? 0n) ||
      (snapshot.firstEventId !== undefined && first.id !== snapshot.firstEventId))
  )
    return;
  const { revision: _revision, ...folded } = fold(records.filter((recorded) => recorded.revision <= snapshot.revision));
  expect({ where: where(), snapshotAt: snapshot.revision, state: snapshot.state }).toEqual({
    where: where(),
    snapshotAt: snapshot.revision,
    state: folded,
  });
}

/** The reference fold, written apart from the library: appliers only, in stream order. */
function fold(records: readonly RecordedEvent[]): TallyState {
  const tally = new Tally();
  let revision = -1n;
  for (const recorded of records) {
    const event = deserializeEvent(recorded);
    if (event instanceof Added) tally.onAdded(event);
    else if (event instanceof Reset) tally.onReset(event);
    revision = recorded.revision;
  }
  return { ...stateOf(tally), revision };
}

function plain(events: readonly object[]): unknown[] {
  return events.map((event) => ({ type: event.constructor.name, ...event }));
}

const sequences = fc.array(stepArbitrary, { minLength: 1, maxLength: 20 });

describe('every pipeline configuration agrees with a full replay', () => {
  it.each(pipelineConfigs('memory').map((config) => [describeConfig(config), config] as const))(
    '%s',
    async (_name, config) => {
      await fc.assert(
        fc.asyncProperty(sequences, async (steps) => runSequence(config, { store: new InMemoryEventStore() }, steps)),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    },
  );

  describe('on KurrentDB (the emulator), with soft deletes and truncations', () => {
    let target: KurrentTarget | undefined;
    let client: KurrentDBClient | undefined;
    let store: KurrentEventStore | undefined;
    afterAll(async () => {
      await store?.close();
      await client?.dispose();
      await target?.close();
    });
    const configs: PipelineConfig[] = [
      { store: 'kurrent', path: 'bus', cache: true, snapshots: true, queue: false, instances: 2 },
      { store: 'kurrent', path: 'bus', cache: true, snapshots: false, queue: true, instances: 1 },
      { store: 'kurrent', path: 'bus', cache: false, snapshots: true, queue: false, instances: 2 },
      { store: 'kurrent', path: 'execute', cache: false, snapshots: false, queue: false, instances: 2 },
    ];
    it.each(configs.map((config) => [describeConfig(config), config] as const))(
      '%s',
      async (_name, config) => {
        // As KurrentDB 26.1: multi-stream appends with checks, for the moves.
        target ??= await startKurrentTarget({ serverVersion: '26.1.0' });
        client ??= KurrentDBClient.connectionString(target.connectionString);
        store ??= new KurrentEventStore(target.connectionString);
        const kurrent = client;
        const shared: TargetStore = {
          store,
          softDelete: async (streamName) => void (await kurrent.deleteStream(streamName)),
          truncateBefore: async (streamName, revision) =>
            void (await kurrent.setStreamMetadata(streamName, { truncateBefore: Number(revision) })),
          multiStreamOptional: target.emulator === undefined,
        };
        await fc.assert(
          fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 12 }), async (steps) =>
            runSequence(config, shared, steps),
          ),
          { numRuns: Math.max(1, Math.round(RUNS / 6)), seed: SEED, endOnFailure: true },
        );
      },
      120_000,
    );
  });
});
