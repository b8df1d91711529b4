import { AggregateRepository, InMemoryEventStore } from 'mneme';
import { AccountOpened, BankAccount, Deposited } from '../../examples/bank-account/domain.js';
import { serializeEvent } from '../../src/events/event-serializer.js';
import { alternateRepeatable, type Repeatable } from '../harness.js';
import { scenarioReport, type ScenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

const FULL_REPLAY = 'Mneme repository.load, full replay';
const FROM_SNAPSHOT = 'Mneme repository.load, from its snapshot';

/**
 * What snapshots buy: loading a long-lived BankAccount (the example's policy: a snapshot every 50
 * events) by replaying its whole stream against loading its latest snapshot and the events after it.
 */
export async function snapshotScenario(settings: BenchSettings): Promise<ScenarioReport> {
  const events = settings.quick ? 10_000 : 100_000;
  const store = new InMemoryEventStore();
  const id = `bench-snapshot-${Date.now().toString(36)}`;
  const stream = `BankAccount-${id}`;
  await store.appendToStream(stream, [serializeEvent(new AccountOpened(id, 'Ada'))]);
  for (let written = 1; written < events; written += 5_000) {
    const batch = Math.min(5_000, events - written);
    await store.appendToStream(
      stream,
      Array.from({ length: batch }, () => serializeEvent(new Deposited(id, 1))),
    );
  }
  const fullReplay = new AggregateRepository(store, { snapshots: false, cache: false });
  const withSnapshots = new AggregateRepository(store, { cache: false });
  // One save through the snapshotting repository takes the snapshot at the end of the stream.
  const account = await withSnapshots.load(BankAccount, id);
  account.raise(new Deposited(id, 1));
  await withSnapshots.save(account);

  const checked = (repository: AggregateRepository) => async () => {
    const loaded = await repository.load(BankAccount, id);
    if (loaded.balance !== events)
      throw new Error(`wrong balance ${loaded.balance} after a load of ${events + 1} events`);
  };
  const variants: Repeatable[] = [
    { name: FULL_REPLAY, run: checked(fullReplay) },
    { name: FROM_SNAPSHOT, run: checked(withSnapshots) },
  ];
  const times = await alternateRepeatable(variants, settings.rounds, settings.sliceMs);
  return scenarioReport(
    'snapshot-load',
    `6. Load a ${(events + 1).toLocaleString('en-US')}-event BankAccount: full replay vs its latest snapshot (in memory)`,
    'load',
    1,
    times,
    [FULL_REPLAY],
  );
}
