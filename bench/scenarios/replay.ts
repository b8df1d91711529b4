import { AggregateRepository, InMemoryEventStore } from 'mneme';
import { BankAccount } from '../../examples/bank-account/domain.js';
import { DEPOSITED, accountHistory, balanceAfter } from '../account-events.js';
import { JsonEventStore, ObjectEventStore, foldAccount } from '../baselines/hand-written.js';
import { asEmmettEvents, emmettStore, evolve, initialState } from '../baselines/emmett.js';
import { NestAccountRepository } from '../baselines/nest.js';
import { alternateRepeatable, type Repeatable } from '../harness.js';
import { scenarioReport, type ScenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

export const HAND_OBJECTS = 'hand-written switch (objects)';
export const HAND_JSON = 'hand-written JSON.parse + switch';
export const EMMETT = 'Emmett aggregateStream';
export const NEST = 'Nest loadFromHistory';
export const MNEME = 'Mneme repository.load';
export const MNEME_UPCAST = 'Mneme repository.load, v1 deposits upcast';

/** Target 1: replaying one account's stream, every store seeded with the same events. */
export async function replayScenario(settings: BenchSettings): Promise<ScenarioReport> {
  const length = settings.replayEvents;
  const id = 'replay';
  const stream = `BankAccount-${id}`;
  const history = accountHistory(id, length);

  const objects = new ObjectEventStore();
  await objects.append(stream, history, 0);
  const json = new JsonEventStore();
  json.append(stream, history);
  const emmett = emmettStore();
  for (let i = 0; i < length; i += 1000)
    await emmett.appendToStream(stream, asEmmettEvents(history.slice(i, i + 1000)));
  const nest = new NestAccountRepository();
  nest.append(stream, history);
  // What Mneme itself stores: deposits at their current schema (version 2, with the currency).
  const mnemeStore = new InMemoryEventStore();
  const current = history.map((event) =>
    event.type === DEPOSITED
      ? { ...event, data: { ...event.data, currency: 'EUR' }, metadata: { schemaVersion: 2 } }
      : event,
  );
  for (let i = 0; i < length; i += 1000) await mnemeStore.appendToStream(stream, current.slice(i, i + 1000));
  const repository = new AggregateRepository(mnemeStore);
  // The same history as the peers got: every deposit stored at schema version 1, upcast on replay.
  const v1Store = new InMemoryEventStore();
  for (let i = 0; i < length; i += 1000) await v1Store.appendToStream(stream, history.slice(i, i + 1000));
  const v1Repository = new AggregateRepository(v1Store);

  const variants: (Repeatable & { balance: () => Promise<number> })[] = [
    { name: HAND_OBJECTS, balance: async () => foldAccount(await objects.read(stream)).balance },
    { name: HAND_JSON, balance: async () => (await json.fold(stream)).balance },
    {
      name: EMMETT,
      balance: async () => (await emmett.aggregateStream(stream, { evolve, initialState })).state.balance,
    },
    { name: NEST, balance: async () => (await nest.load(stream)).balance },
    { name: MNEME, balance: async () => (await repository.load(BankAccount, id)).balance },
    { name: MNEME_UPCAST, balance: async () => (await v1Repository.load(BankAccount, id)).balance },
  ].map((v) => ({ ...v, run: v.balance }));

  // Every variant must fold the history it was given, or its time means nothing.
  for (const variant of variants) {
    const balance = await variant.balance();
    if (balance !== balanceAfter(length))
      throw new Error(`${variant.name} replayed a balance of ${balance}, expected ${balanceAfter(length)}`);
  }
  const times = await alternateRepeatable(variants, settings.rounds, settings.sliceMs);
  return scenarioReport(
    'replay',
    `1. Replay ${length.toLocaleString('en-US')} events into an account (in memory)`,
    'event',
    length,
    times,
    [HAND_OBJECTS, HAND_JSON, EMMETT],
  );
}
