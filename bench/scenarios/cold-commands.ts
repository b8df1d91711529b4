import { Container } from 'inversify';
import { AggregateRepository, CommandBus, InMemoryEventStore, mnemeModule } from 'mneme';
import { BankAccount, Deposit, Withdraw } from '../../examples/bank-account/domain.js';
import { DEPOSITED, OPENED, WITHDRAWN } from '../account-events.js';
import { ObjectEventStore, foldAccount, type AccountState, type PlainEvent } from '../baselines/hand-written.js';
import {
  deposit,
  emmettStore,
  evolve,
  handle,
  initialState,
  withdraw,
  type EmmettAccountEvent,
} from '../baselines/emmett.js';
import { alternateBatches, type Batch } from '../harness.js';

/** `--forced-gc`: a full GC before each timed run, as the other scenarios do (the steady state is measured without). */
const FORCED_GC = process.argv.includes('--forced-gc');
import { scenarioReport, type ScenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

export const HAND = 'hand-written read, fold, decide, append';
export const EMMETT = 'Emmett CommandHandler';
export const MNEME_DEFAULTS = 'Mneme CommandBus (defaults)';
export const MNEME_QUEUE_OFF = 'Mneme CommandBus (queue off)';
/** No aggregate cache: every command replays its stream (a cache smaller than the working set comes close to this). */
export const MNEME_NO_CACHE = 'Mneme CommandBus (aggregateCache: false)';
/** A cache a tenth of the working set: with round-robin commands every command misses and evicts. */
export const MNEME_SMALL_CACHE = 'Mneme CommandBus (cache of a tenth of the streams)';

/** Accounts and commands of the cold scenario: 10 commands per account, whatever the other scenarios' sizes. */
export const COMMANDS_PER_ACCOUNT = 10;

/**
 * Each account's stream as another app instance left it: its opening, written straight into the
 * variant's own store (not through the variant's command path), so no cache of the variant has seen it.
 */
function seedEvent(accountId: string): PlainEvent & { data: { accountId: string; owner: string } } {
  return { type: OPENED, data: { accountId, owner: 'Ada' } };
}

/** Command i goes to account i mod N (each account is left alone for N-1 commands); deposits of 2 and withdrawals of 1 alternate. */
function plan(accounts: number) {
  const ids = Array.from({ length: accounts }, (_, n) => `account-${n}`);
  const commands = Array.from({ length: accounts * COMMANDS_PER_ACCOUNT }, (_, i) => ({
    id: ids[i % accounts]!,
    isDeposit: Math.floor(i / accounts) % 2 === 0,
  }));
  const expectedTotal = accounts * (COMMANDS_PER_ACCOUNT / 2) * (2 - 1);
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

/**
 * Commands on cold streams: 1,000 accounts whose streams another instance wrote (straight store
 * appends), 10 sequential commands per account. Mneme's aggregate cache starts empty, so an
 * account's first command replays its stream; the next ones catch up from the cache.
 */
export async function coldCommandsScenario(settings: BenchSettings): Promise<ScenarioReport> {
  const { ids, commands, expectedTotal } = plan(settings.accounts);

  const hand: Batch<ObjectEventStore, void> = {
    name: HAND,
    setup: async () => {
      const store = new ObjectEventStore();
      for (const id of ids) await store.append(`BankAccount-${id}`, [seedEvent(id)], 0);
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
      for (const id of ids)
        await store.appendToStream<EmmettAccountEvent>(`BankAccount-${id}`, [seedEvent(id) as EmmettAccountEvent]);
      return store;
    },
    run: async (store) => {
      for (const { id, isDeposit } of commands)
        await handle(store, `BankAccount-${id}`, isDeposit ? deposit(id, 2) : withdraw(id, 1));
    },
    after: async (store) => {
      let total = 0;
      for (const id of ids)
        total += (await store.aggregateStream(`BankAccount-${id}`, { evolve, initialState })).state.balance;
      checkTotal(EMMETT, total, expectedTotal);
    },
  };

  const mneme = (
    name: string,
    options: { inProcessStreamQueue?: boolean; aggregateCache?: false | { maxEntries: number } },
  ): Batch<Container, void> => ({
    name,
    setup: async () => {
      const eventStore = new InMemoryEventStore();
      for (const id of ids) await eventStore.appendToStream(`BankAccount-${id}`, [seedEvent(id)]);
      const container = new Container();
      container.load(mnemeModule({ aggregates: [BankAccount], eventStore, ...options }));
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
    [
      hand,
      emmett,
      mneme(MNEME_DEFAULTS, {}),
      mneme(MNEME_QUEUE_OFF, { inProcessStreamQueue: false }),
      mneme(MNEME_NO_CACHE, { aggregateCache: false }),
      mneme(MNEME_SMALL_CACHE, { aggregateCache: { maxEntries: Math.max(1, Math.floor(ids.length / 10)) } }),
    ],
    // Short runs, noisy under load: more rounds than the other scenarios for a steadier median.
    settings.quick ? settings.rounds : 2 * settings.rounds - 1,
    true,
    'cpu', // sequential and CPU-bound: the process's CPU time leaves out the other work on a shared machine
    FORCED_GC, // a steady-state process: no forced full GC before the timed run (see alternateBatches)
  );
  const msPerCommand = new Map([...times].map(([name, t]) => [name, t.medianMs / commands.length]));
  return scenarioReport(
    'cold-commands',
    `2b. ${commands.length.toLocaleString('en-US')} sequential Deposit/Withdraw on ${ids.length.toLocaleString('en-US')} cold streams (written by another instance; ${COMMANDS_PER_ACCOUNT} per account, in memory)`,
    'command',
    1,
    msPerCommand,
    [HAND, EMMETT],
  );
}
