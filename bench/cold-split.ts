/**
 * `tsc -p tsconfig.run.json && node --expose-gc build/bench/cold-split.js`: scenario 2b's workload
 * (1,000 cold streams, 10 commands each, round robin) timed in two parts, CPU time: the first pass
 * (each account's first command: a cache miss) and the later ones (cache hits), for Mneme with its
 * defaults, Mneme with `aggregateCache: false` and Emmett, alternated, four timed runs each; once
 * with a full GC forced right before each timed run (as the harness does by default) and once without.
 */
import 'reflect-metadata';
import { Container } from 'inversify';
import { CommandBus, InMemoryEventStore, mnemeModule } from 'mneme';
import { BankAccount, Deposit, Withdraw } from '../examples/bank-account/domain.js';
import { deposit, emmettStore, handle, withdraw, type EmmettAccountEvent } from './baselines/emmett.js';
import { collectGarbage, median } from './harness.js';

const ACCOUNTS = 1000;
const COMMANDS = 10 * ACCOUNTS;
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const opened = (n: number) => ({ type: 'BankAccount.Opened', data: { accountId: `account-${n}`, owner: 'Ada' } });

type Run = (i: number) => Promise<unknown>;
const variants: Record<string, () => Promise<Run>> = {
  'Mneme (defaults)': () => mneme({}),
  'Mneme (aggregateCache: false)': () => mneme({ aggregateCache: false }),
  Emmett: async () => {
    const store = emmettStore();
    for (let n = 0; n < ACCOUNTS; n++)
      await store.appendToStream<EmmettAccountEvent>(`BankAccount-account-${n}`, [opened(n) as EmmettAccountEvent]);
    return (i) => {
      const id = `account-${i % ACCOUNTS}`;
      return handle(store, `BankAccount-${id}`, Math.floor(i / ACCOUNTS) % 2 === 0 ? deposit(id, 2) : withdraw(id, 1));
    };
  },
};

async function mneme(options: { aggregateCache?: false }): Promise<Run> {
  const eventStore = new InMemoryEventStore();
  for (let n = 0; n < ACCOUNTS; n++) await eventStore.appendToStream(`BankAccount-account-${n}`, [opened(n)]);
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], eventStore, ...options }));
  const bus = container.get(CommandBus);
  return (i) => {
    const id = `account-${i % ACCOUNTS}`;
    return bus.execute(Math.floor(i / ACCOUNTS) % 2 === 0 ? new Deposit(id, 2) : new Withdraw(id, 1));
  };
}

const labels = Object.keys(variants).flatMap((name) => [`${name}, forced GC`, `${name}, no forced GC`]);
const times = new Map<string, { first: number[]; later: number[] }>(
  labels.map((name) => [name, { first: [], later: [] }]),
);
for (let round = 0; round < 5; round++) {
  for (const [label, setup, forced] of Object.entries(variants).flatMap(
    ([name, setup]) =>
      [
        [`${name}, forced GC`, setup, true],
        [`${name}, no forced GC`, setup, false],
      ] as const,
  )) {
    const name = label;
    const run = await setup();
    if (forced) collectGarbage();
    const start = cpuMs();
    let split = start;
    for (let i = 0; i < COMMANDS; i++) {
      if (i === ACCOUNTS) split = cpuMs();
      await run(i);
    }
    const end = cpuMs();
    if (round === 0) continue; // JIT warm-up
    times.get(name)!.first.push(((split - start) * 1000) / ACCOUNTS);
    times.get(name)!.later.push(((end - split) * 1000) / (COMMANDS - ACCOUNTS));
  }
}
for (const [name, { first, later }] of times) {
  console.log(
    `${name.padEnd(46)} first pass ${median(first).toFixed(1).padStart(6)} µs/command   later ${median(later).toFixed(1).padStart(6)} µs/command`,
  );
}
