/**
 * What one fresh Node process measures, for the startup scenarios (bench/scenarios/startup.ts runs
 * it once per sample): `node build/bench/fresh/child.js <mode>` prints one JSON line. Everything is
 * imported dynamically, after the clock starts, so the import is part of what is timed; nothing of
 * Mneme is imported by the Emmett modes, nor the other way round.
 *
 * Modes:
 * - `first-execute:mneme` / `first-execute:emmett`: CPU ms from the process's start to the first
 *   command on the in-memory store resolving, and to the end of the import.
 * - `jit-cold:mneme` / `jit-cold:emmett`: 2,000 commands over 1,000 accounts (seeded by store
 *   appends) in one pass, JIT-cold: CPU ms for the pass.
 * - `import:<module>`: ms to import one module on its own (`import:mneme-own` imports Mneme's
 *   dependencies untimed first, so what is left is the project's own modules).
 * - `empty`: CPU ms from the process's start to the script running (Node itself).
 *
 * Every time is the process's CPU time (see cpuMs), not wall time.
 */
import { MNEME_DEPENDENCIES } from './dependencies.js';

/**
 * Milliseconds of CPU time (user + system, every thread) this process has used: on a machine shared
 * with other work, the process's own cost, leaving out the time it waited for a core (on a quiet
 * machine, about its wall time).
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const ACCOUNTS = 1000;
const COMMANDS = 2000;

async function firstExecuteMneme(): Promise<Record<string, number>> {
  const { Container } = await import('inversify');
  const { CommandBus, InMemoryEventStore, mnemeModule } = await import('mneme');
  const { BankAccount, OpenAccount } = await import('../../examples/bank-account/domain.js');
  const imported = cpuMs();
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], eventStore: new InMemoryEventStore() }));
  await container.get(CommandBus).execute(new OpenAccount('account-0', 'Ada'));
  return { importedMs: imported, firstExecuteMs: cpuMs() };
}

async function firstExecuteEmmett(): Promise<Record<string, number>> {
  const { emmettStore, handle, open } = await import('../baselines/emmett.js');
  const imported = cpuMs();
  await handle(emmettStore(), 'BankAccount-account-0', open('account-0'));
  return { importedMs: imported, firstExecuteMs: cpuMs() };
}

async function jitColdMneme(): Promise<Record<string, number>> {
  const { Container } = await import('inversify');
  const { CommandBus, InMemoryEventStore, mnemeModule } = await import('mneme');
  const { BankAccount, Deposit, Withdraw } = await import('../../examples/bank-account/domain.js');
  const eventStore = new InMemoryEventStore();
  for (let n = 0; n < ACCOUNTS; n++) {
    await eventStore.appendToStream(`BankAccount-account-${n}`, [
      { type: 'BankAccount.Opened', data: { accountId: `account-${n}`, owner: 'Ada' } },
    ]);
  }
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], eventStore }));
  const bus = container.get(CommandBus);
  const start = cpuMs();
  for (let i = 0; i < COMMANDS; i++) {
    const id = `account-${i % ACCOUNTS}`;
    await bus.execute(Math.floor(i / ACCOUNTS) % 2 === 0 ? new Deposit(id, 2) : new Withdraw(id, 1));
  }
  const passMs = cpuMs() - start;
  const balance = (await import('mneme')).AggregateRepository;
  const total = (await container.get(balance).load(BankAccount, 'account-0')).balance;
  if (total !== 1) throw new Error(`Mneme JIT-cold pass: balance ${total}, expected 1`);
  return { passMs };
}

async function jitColdEmmett(): Promise<Record<string, number>> {
  const { deposit, emmettStore, evolve, handle, initialState, withdraw } = await import('../baselines/emmett.js');
  const store = emmettStore();
  for (let n = 0; n < ACCOUNTS; n++) {
    await store.appendToStream(`BankAccount-account-${n}`, [
      { type: 'BankAccount.Opened', data: { accountId: `account-${n}`, owner: 'Ada' } },
    ]);
  }
  const start = cpuMs();
  for (let i = 0; i < COMMANDS; i++) {
    const id = `account-${i % ACCOUNTS}`;
    await handle(store, `BankAccount-${id}`, Math.floor(i / ACCOUNTS) % 2 === 0 ? deposit(id, 2) : withdraw(id, 1));
  }
  const passMs = cpuMs() - start;
  const total = (await store.aggregateStream('BankAccount-account-0', { evolve, initialState })).state.balance;
  if (total !== 1) throw new Error(`Emmett JIT-cold pass: balance ${total}, expected 1`);
  return { passMs };
}

async function importOne(module: string): Promise<Record<string, number>> {
  if (module === 'mneme-own') {
    for (const dependency of MNEME_DEPENDENCIES) await import(dependency);
    module = 'mneme';
  }
  const start = cpuMs();
  await import(module);
  return { importMs: cpuMs() - start };
}

const mode = process.argv[2] ?? '';
const modes: Record<string, () => Promise<Record<string, number>>> = {
  'first-execute:mneme': firstExecuteMneme,
  'first-execute:emmett': firstExecuteEmmett,
  'jit-cold:mneme': jitColdMneme,
  'jit-cold:emmett': jitColdEmmett,
  empty: async () => ({ startMs: cpuMs() }),
};
const run = mode.startsWith('import:') ? () => importOne(mode.slice('import:'.length)) : modes[mode];
if (!run) throw new Error(`Unknown mode '${mode}': ${Object.keys(modes).join(', ')}, import:<module>`);
console.log(JSON.stringify(await run()));
