import { Container } from 'inversify';
import { AggregateRepository, CommandBus, mnemeModule } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { DEPOSITED, WITHDRAWN } from '../account-events.js';
import { ObjectEventStore, foldAccount, type AccountState, type PlainEvent } from '../baselines/hand-written.js';
import { deposit, emmettStore, evolve, handle, initialState, open, withdraw } from '../baselines/emmett.js';
import { alternateBatches, type Batch } from '../harness.js';

/** `--forced-gc`: a full GC before each timed run, as the other scenarios do (the steady state is measured without). */
const FORCED_GC = process.argv.includes('--forced-gc');
import { scenarioReport, type ScenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

export const HAND = 'hand-written read, fold, decide, append';
export const EMMETT = 'Emmett CommandHandler';
export const MNEME_DEFAULTS = 'Mneme CommandBus (defaults)';
export const MNEME_QUEUE_OFF = 'Mneme CommandBus (queue off)';
/** The defaults with `telemetry: false`: what the OpenTelemetry hooks cost with no SDK registered (none is, here). */
export const MNEME_TELEMETRY_OFF = 'Mneme CommandBus (telemetry off)';

/** Command i goes to account i mod N; each account alternates Deposit(2) and Withdraw(1), so none is ever rejected. */
function plan(settings: BenchSettings) {
  const ids = Array.from({ length: settings.accounts }, (_, n) => `account-${n}`);
  const commands = Array.from({ length: settings.commands }, (_, i) => ({
    id: ids[i % ids.length]!,
    isDeposit: Math.floor(i / ids.length) % 2 === 0,
  }));
  const perAccount = settings.commands / settings.accounts;
  const expectedTotal = ids.length * (Math.ceil(perAccount / 2) * 2 - Math.floor(perAccount / 2));
  return { ids, commands, expectedTotal };
}

function decideHandWritten(state: AccountState, accountId: string, isDeposit: boolean): PlainEvent {
  if (!state.opened) throw new Error('Account not open');
  if (isDeposit) return { type: DEPOSITED, data: { accountId, amount: 2 } as PlainEvent['data'] };
  if (state.balance < 1) throw new Error('Insufficient funds');
  return { type: WITHDRAWN, data: { accountId, amount: 1 } as PlainEvent['data'] };
}

function checkTotal(name: string, total: number, expected: number): void {
  if (total !== expected) throw new Error(`${name}: the accounts hold ${total} in total, expected ${expected}`);
}

/** Target 2: sequential commands, each one read + fold + decide + append, on a fresh store per run. */
export async function commandsScenario(settings: BenchSettings): Promise<ScenarioReport> {
  const { ids, commands, expectedTotal } = plan(settings);

  const hand: Batch<ObjectEventStore, void> = {
    name: HAND,
    setup: async () => {
      const store = new ObjectEventStore();
      for (const id of ids)
        await store.append(`BankAccount-${id}`, [{ type: 'BankAccount.Opened', data: { owner: 'Ada' } }], 0);
      return store;
    },
    run: async (store) => {
      for (const { id, isDeposit } of commands) {
        const stream = `BankAccount-${id}`;
        const state = foldAccount(await store.read(stream));
        await store.append(stream, [decideHandWritten(state, id, isDeposit)], state.length);
      }
    },
    after: async (store) => {
      let total = 0;
      for (const id of ids) total += foldAccount(await store.read(`BankAccount-${id}`)).balance;
      checkTotal(HAND, total, expectedTotal);
    },
  };

  const emmett: Batch<ReturnType<typeof emmettStore>, void> = {
    name: EMMETT,
    setup: async () => {
      const store = emmettStore();
      for (const id of ids) await handle(store, `BankAccount-${id}`, open(id));
      return store;
    },
    run: async (store) => {
      for (const { id, isDeposit } of commands) {
        await handle(store, `BankAccount-${id}`, isDeposit ? deposit(id, 2) : withdraw(id, 1));
      }
    },
    after: async (store) => {
      let total = 0;
      for (const id of ids)
        total += (await store.aggregateStream(`BankAccount-${id}`, { evolve, initialState })).state.balance;
      checkTotal(EMMETT, total, expectedTotal);
    },
  };

  const mneme = (name: string, inProcessStreamQueue: boolean, telemetry = true): Batch<Container, void> => ({
    name,
    setup: async () => {
      const container = new Container();
      container.load(
        mnemeModule({ aggregates: [BankAccount], inProcessStreamQueue, ...(telemetry ? {} : { telemetry: false }) }),
      );
      const bus = container.get(CommandBus);
      for (const id of ids) await bus.execute(new OpenAccount(id, 'Ada'));
      return container;
    },
    run: async (container) => {
      const bus = container.get(CommandBus);
      for (const { id, isDeposit } of commands) await bus.execute(isDeposit ? new Deposit(id, 2) : new Withdraw(id, 1));
    },
    after: async (container) => {
      const repository = container.get(AggregateRepository);
      let total = 0;
      for (const id of ids) total += (await repository.load(BankAccount, id)).balance;
      checkTotal(name, total, expectedTotal);
    },
  });

  const times = await alternateBatches<void>(
    [hand, emmett, mneme(MNEME_DEFAULTS, true), mneme(MNEME_QUEUE_OFF, false), mneme(MNEME_TELEMETRY_OFF, true, false)],
    settings.rounds,
    true,
    'cpu', // sequential and CPU-bound: the process's CPU time leaves out the other work on a shared machine
    FORCED_GC, // a steady-state process: no forced full GC before the timed run (see alternateBatches)
  );
  const msPerCommand = new Map([...times].map(([name, t]) => [name, t.medianMs / commands.length]));
  return scenarioReport(
    'commands',
    `2. ${commands.length.toLocaleString('en-US')} sequential Deposit/Withdraw over ${ids.length.toLocaleString('en-US')} accounts (in memory)`,
    'command',
    1,
    msPerCommand,
    [HAND, EMMETT, MNEME_TELEMETRY_OFF],
  );
}
