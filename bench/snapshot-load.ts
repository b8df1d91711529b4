import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { AggregateRepository, InMemoryEventStore, type EventStore } from 'mneme';
import { serializeEvent } from '../src/events/event-serializer.js';
import { AccountOpened, BankAccount, Deposited } from '../examples/bank-account/domain.js';

/**
 * Loading a 100,000-event BankAccount: a full replay against a load from its latest snapshot (the
 * example's policy: one every 50 events). Standalone for now:
 *   tsc -p tsconfig.run.json && node build/bench/snapshot-load.js
 * `measureSnapshotLoad(store)` runs it on any store (KurrentDB included) for a suite to call.
 */
const EVENTS = 100_000;
const RUNS = 7;

export interface SnapshotLoadResult {
  events: number;
  fullReplayMs: number;
  fromSnapshotMs: number;
}

export async function measureSnapshotLoad(store: EventStore, events = EVENTS, runs = RUNS): Promise<SnapshotLoadResult> {
  const id = `bench-${Date.now().toString(36)}`;
  const stream = `BankAccount-${id}`;
  await store.appendToStream(stream, [serializeEvent(new AccountOpened(id, 'Ada'))]);
  for (let written = 1; written < events; written += 5_000) {
    const batch = Math.min(5_000, events - written);
    await store.appendToStream(stream, Array.from({ length: batch }, () => serializeEvent(new Deposited(id, 1))));
  }
  const fullReplay = new AggregateRepository(store, { snapshots: false });
  const withSnapshots = new AggregateRepository(store);
  // One save through the snapshotting repository takes the snapshot at the end of the stream.
  const account = await withSnapshots.load(BankAccount, id);
  account.raise(new Deposited(id, 1));
  await withSnapshots.save(account);

  const times: [number[], number[]] = [[], []];
  const loads = [() => fullReplay.load(BankAccount, id), () => withSnapshots.load(BankAccount, id)];
  for (const load of loads) await load(); // warm-up
  for (let i = 0; i < runs; i++) {
    // Alternated, so drift in the machine hits both alike.
    for (const which of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const start = performance.now();
      const loaded = await loads[which]!();
      times[which]!.push(performance.now() - start);
      if (loaded.balance !== events) throw new Error(`wrong balance ${loaded.balance} after ${which ? 'the snapshot load' : 'the replay'}`);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { events: events + 1, fullReplayMs: median(times[0]), fromSnapshotMs: median(times[1]) };
}

export function reportSnapshotLoad(result: SnapshotLoadResult, storeName: string): string {
  return (
    `Load of a ${result.events}-event aggregate (${storeName})\n` +
    `  full replay:        ${result.fullReplayMs.toFixed(2)} ms\n` +
    `  from its snapshot:  ${result.fromSnapshotMs.toFixed(2)} ms\n` +
    `  ratio replay/snapshot: ${(result.fullReplayMs / result.fromSnapshotMs).toFixed(1)}x`
  );
}

// Run directly (not when imported by a suite).
if (process.argv[1]?.endsWith('snapshot-load.js')) {
  console.log(reportSnapshotLoad(await measureSnapshotLoad(new InMemoryEventStore()), InMemoryEventStore.name));
}
