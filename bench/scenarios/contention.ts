import { performance } from 'node:perf_hooks';
import { Container } from 'inversify';
import { AggregateRepository, CommandBus, DomainError, InMemoryEventStore, MaxRetriesExceededError, mnemeModule, type EventStore } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { DEPOSITED, OPENED, WITHDRAWN } from '../account-events.js';
import { LengthConflict, ObjectEventStore, foldAccount, type PlainEvent } from '../baselines/hand-written.js';
import { alternateBatches, percentile, type Batch } from '../harness.js';
import { round, scenarioReport, type ScenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

export const HAND = 'hand-written full-jitter retry';
export const ONE_QUEUED = 'Mneme 1 container, queue on';
export const ONE_UNQUEUED = 'Mneme 1 container, queue off';
export const EIGHT = 'Mneme 8 containers on one store';

const ACCOUNT = 'hot';

export interface ContentionCounts {
  ok: number;
  rejected: number;
  failed: number;
  attempts: number;
  totalMs: number;
  p99Ms: number;
  maxMs: number;
  /** Failures by error name, to tell MaxRetriesExceededError from anything unexpected. */
  failures: Record<string, number>;
}

/** One client's outcome of one command: how many attempts it took, and how it ended. */
type Outcome = { kind: 'ok'; attempts: number; deposit: boolean } | { kind: 'rejected'; attempts: number } | { kind: 'failed'; attempts: number; error: string };

/**
 * Every client sends Deposit(2), Withdraw(1), Deposit(2)... concurrently on one account. Each client's
 * withdrawals follow its own deposits, so none should be rejected; the final balance must equal
 * what the successful commands add up to (a lost update would show here).
 */
async function runClients(
  settings: BenchSettings,
  execute: (client: number, deposit: boolean) => Promise<Outcome>,
  balance: () => Promise<number>,
  name: string,
): Promise<ContentionCounts> {
  const latencies: number[] = [];
  const counts: ContentionCounts = { ok: 0, rejected: 0, failed: 0, attempts: 0, totalMs: 0, p99Ms: 0, maxMs: 0, failures: {} };
  let expectedBalance = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: settings.contentionClients }, async (_, client) => {
      for (let k = 0; k < settings.commandsPerClient; k++) {
        const deposit = k % 2 === 0;
        const began = performance.now();
        const outcome = await execute(client, deposit);
        latencies.push(performance.now() - began);
        counts.attempts += outcome.attempts;
        if (outcome.kind === 'ok') {
          counts.ok++;
          expectedBalance += outcome.deposit ? 2 : -1;
        } else if (outcome.kind === 'rejected') {
          counts.rejected++;
        } else {
          counts.failed++;
          counts.failures[outcome.error] = (counts.failures[outcome.error] ?? 0) + 1;
        }
      }
    }),
  );
  counts.totalMs = round(performance.now() - start, 1);
  counts.p99Ms = round(percentile(latencies, 99), 2);
  counts.maxMs = round(Math.max(...latencies), 2);
  const actual = await balance();
  if (actual !== expectedBalance) throw new Error(`${name}: the account holds ${actual}, the successful commands add up to ${expectedBalance}`);
  return counts;
}

/** The hand-written retry: read, fold, decide, append at the length read; on a conflict sleep U(0, min(50, 1 * 2^retry)) ms, at most 10 retries. */
const MAX_RETRIES = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function handWrittenCommand(store: ObjectEventStore, deposit: boolean): Promise<Outcome> {
  const stream = `BankAccount-${ACCOUNT}`;
  for (let attempt = 1; ; attempt++) {
    const state = foldAccount(await store.read(stream));
    if (!deposit && state.balance < 1) return { kind: 'rejected', attempts: attempt };
    const event: PlainEvent = deposit ? { type: DEPOSITED, data: { amount: 2 } } : { type: WITHDRAWN, data: { amount: 1 } };
    try {
      await store.append(stream, [event], state.length);
      return { kind: 'ok', attempts: attempt, deposit };
    } catch (error) {
      if (!(error instanceof LengthConflict)) throw error;
      if (attempt > MAX_RETRIES) return { kind: 'failed', attempts: attempt, error: 'GaveUp' };
      await sleep(Math.random() * Math.min(50, 1 * 2 ** (attempt - 1)));
    }
  }
}

async function mnemeCommand(bus: CommandBus, deposit: boolean): Promise<Outcome> {
  try {
    const result = await bus.execute(deposit ? new Deposit(ACCOUNT, 2) : new Withdraw(ACCOUNT, 1));
    return { kind: 'ok', attempts: result.attempts, deposit };
  } catch (error) {
    if (error instanceof DomainError) return { kind: 'rejected', attempts: 1 };
    if (error instanceof MaxRetriesExceededError) return { kind: 'failed', attempts: error.attempts, error: error.name };
    return { kind: 'failed', attempts: 1, error: error instanceof Error ? error.name : String(error) };
  }
}

async function mnemeContainers(count: number, store: EventStore, inProcessStreamQueue: boolean): Promise<CommandBus[]> {
  const buses: CommandBus[] = [];
  for (let i = 0; i < count; i++) {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store, inProcessStreamQueue }));
    buses.push(container.get(CommandBus));
  }
  return buses;
}

/** Target 3: many clients on one hot account, in one container or in eight (eight app instances on one store). */
export async function contentionScenario(settings: BenchSettings): Promise<ScenarioReport> {
  const hand: Batch<ObjectEventStore, ContentionCounts> = {
    name: HAND,
    setup: async () => {
      const store = new ObjectEventStore(true);
      await store.append(`BankAccount-${ACCOUNT}`, [{ type: OPENED, data: { owner: 'Ada' } }], 0);
      return store;
    },
    run: (store) =>
      runClients(settings, (_client, deposit) => handWrittenCommand(store, deposit), async () => foldAccount(await store.read(`BankAccount-${ACCOUNT}`)).balance, HAND),
  };

  const mneme = (name: string, containers: number, inProcessStreamQueue: boolean): Batch<{ buses: CommandBus[]; store: InMemoryEventStore }, ContentionCounts> => ({
    name,
    setup: async () => {
      const store = new InMemoryEventStore();
      const buses = await mnemeContainers(containers, store, inProcessStreamQueue);
      await buses[0]!.execute(new OpenAccount(ACCOUNT, 'Ada'));
      return { buses, store };
    },
    run: ({ buses, store }) =>
      runClients(
        settings,
        (client, deposit) => mnemeCommand(buses[client % buses.length]!, deposit),
        async () => (await new AggregateRepository(store).load(BankAccount, ACCOUNT)).balance,
        name,
      ),
  });

  const results = await alternateBatches<ContentionCounts>(
    [hand, mneme(ONE_QUEUED, 1, true), mneme(ONE_UNQUEUED, 1, false), mneme(EIGHT, settings.contentionClients, true)],
    settings.contentionRounds,
    // One untimed run each first, as in the other scenarios: runs take a fraction of a second now.
    true,
  );
  const commands = settings.contentionClients * settings.commandsPerClient;
  const msPerCommand = new Map([...results].map(([name, r]) => [name, r.medianMs / commands]));
  return scenarioReport(
    'contention',
    `3. ${settings.contentionClients} clients x ${settings.commandsPerClient} commands on ONE account (in memory, median of ${settings.contentionRounds} runs)`,
    'command',
    1,
    msPerCommand,
    [HAND],
    (variant) => results.get(variant)!.medianResult,
  );
}
