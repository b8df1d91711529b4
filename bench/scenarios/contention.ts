import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { FORWARDS, KurrentDBClient, START, WrongExpectedVersionError, jsonEvent } from '@kurrent/kurrentdb-client';
import { Container } from 'inversify';
import {
  AggregateRepository,
  CommandBus,
  DomainError,
  InMemoryEventStore,
  MaxRetriesExceededError,
  MnemeError,
  EventStore,
  mnemeModule,
  type RetryOptions,
} from 'mneme';
import { startKurrentEmulator } from 'mneme/testing';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { DEPOSITED, OPENED, WITHDRAWN } from '../account-events.js';
import { LengthConflict, ObjectEventStore, foldAccount, type PlainEvent } from '../baselines/hand-written.js';
import { alternateBatches, collectGarbage, median, percentile, type Batch } from '../harness.js';
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
type Outcome =
  | { kind: 'ok'; attempts: number; deposit: boolean }
  | { kind: 'rejected'; attempts: number }
  | { kind: 'failed'; attempts: number; error: string };

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
  const counts: ContentionCounts = {
    ok: 0,
    rejected: 0,
    failed: 0,
    attempts: 0,
    totalMs: 0,
    p99Ms: 0,
    maxMs: 0,
    failures: {},
  };
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
  if (actual !== expectedBalance)
    throw new Error(`${name}: the account holds ${actual}, the successful commands add up to ${expectedBalance}`);
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
    const event: PlainEvent = deposit
      ? { type: DEPOSITED, data: { amount: 2 } }
      : { type: WITHDRAWN, data: { amount: 1 } };
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
    if (error instanceof MaxRetriesExceededError)
      return { kind: 'failed', attempts: error.attempts, error: error.name };
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

/** Target 3: many clients on one hot account, in one container or in eight (eight app instances on one store); then the hot-stream runs. */
export async function contentionScenario(settings: BenchSettings): Promise<ScenarioReport[]> {
  return [await sharedAccountScenario(settings), ...(await hotStreamScenarios(settings))];
}

async function sharedAccountScenario(settings: BenchSettings): Promise<ScenarioReport> {
  const hand: Batch<ObjectEventStore, ContentionCounts> = {
    name: HAND,
    setup: async () => {
      const store = new ObjectEventStore(true);
      await store.append(`BankAccount-${ACCOUNT}`, [{ type: OPENED, data: { owner: 'Ada' } }], 0);
      return store;
    },
    run: (store) =>
      runClients(
        settings,
        (_client, deposit) => handWrittenCommand(store, deposit),
        async () => foldAccount(await store.read(`BankAccount-${ACCOUNT}`)).balance,
        HAND,
      ),
  };

  const mneme = (
    name: string,
    containers: number,
    inProcessStreamQueue: boolean,
  ): Batch<{ buses: CommandBus[]; store: InMemoryEventStore }, ContentionCounts> => ({
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

// ---------------------------------------------------------------------------------------------
// Hot streams: N app instances (separate containers, each with its own client) on one store, one
// client per instance sending commands back to back on one account. Counted over every run (not
// the median run): failed commands, attempts, the slowest command. The reference is a hand-written
// read / fold / decide / append loop with full-jitter retry, on its own store or its own clients.

export const HOT_HAND = 'hand-written full-jitter retry';
export const hotMneme = (instances: number) => `Mneme ${instances} instances, defaults`;

/**
 * The hand-written retry: sleep U(0, min(10, 1 * 2^retry)) ms after each conflict (the delays of
 * Mneme's defaults, written out), until it succeeds or 30 s have passed.
 */
const HOT_CAP_MS = 10;
const HOT_GIVE_UP_MS = 30_000;
const handDelay = (retry: number) => Math.random() * Math.min(HOT_CAP_MS, 2 ** retry);

export interface HotStreamCounts {
  commands: number;
  ok: number;
  rejected: number;
  failed: number;
  attempts: number;
  maxMs: number;
  p99Ms: number;
  totalMs: number;
  failures: Record<string, number>;
}

interface HotSetup {
  send: (instance: number, deposit: boolean) => Promise<Outcome>;
  balance: () => Promise<number>;
  close: () => Promise<void>;
}

interface HotTarget {
  key: string;
  label: string;
  /** Commands per instance, by instance count. */
  commandsPerInstance: (instances: number) => number;
  hand: (instances: number) => Promise<HotSetup>;
  mneme: (instances: number, retry?: RetryOptions) => Promise<HotSetup>;
}

/** Every instance sends deposits of 2 and withdrawals of 1, alternating, back to back: none should be rejected. */
async function hotRun(
  instances: number,
  perInstance: number,
  send: (instance: number, deposit: boolean) => Promise<Outcome>,
  balance: () => Promise<number>,
  name: string,
): Promise<HotStreamCounts> {
  const latencies: number[] = [];
  const counts: HotStreamCounts = {
    commands: instances * perInstance,
    ok: 0,
    rejected: 0,
    failed: 0,
    attempts: 0,
    maxMs: 0,
    p99Ms: 0,
    totalMs: 0,
    failures: {},
  };
  let expected = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: instances }, async (_, instance) => {
      for (let k = 0; k < perInstance; k++) {
        const deposit = k % 2 === 0;
        const began = performance.now();
        const outcome = await send(instance, deposit);
        latencies.push(performance.now() - began);
        counts.attempts += outcome.attempts;
        if (outcome.kind === 'ok') {
          counts.ok++;
          expected += outcome.deposit ? 2 : -1;
        } else if (outcome.kind === 'rejected') counts.rejected++;
        else {
          counts.failed++;
          counts.failures[outcome.error] = (counts.failures[outcome.error] ?? 0) + 1;
        }
      }
    }),
  );
  counts.totalMs = performance.now() - start;
  counts.maxMs = Math.max(...latencies);
  counts.p99Ms = percentile(latencies, 99);
  const actual = await balance();
  if (actual !== expected)
    throw new Error(`${name}: the account holds ${actual}, the successful commands add up to ${expected}`);
  return counts;
}

async function mnemeHotCommand(bus: CommandBus, account: string, deposit: boolean): Promise<Outcome> {
  try {
    const result = await bus.execute(deposit ? new Deposit(account, 2) : new Withdraw(account, 1));
    return { kind: 'ok', attempts: result.attempts, deposit };
  } catch (error) {
    if (error instanceof DomainError) return { kind: 'rejected', attempts: 1 };
    const attempts =
      (error as { attempts?: number; attempt?: number }).attempts ?? (error as { attempt?: number }).attempt ?? 1;
    return {
      kind: 'failed',
      attempts,
      error: error instanceof MnemeError ? error.code : error instanceof Error ? error.name : String(error),
    };
  }
}

async function handInMemoryCommand(store: ObjectEventStore, deposit: boolean): Promise<Outcome> {
  const stream = `BankAccount-${ACCOUNT}`;
  const began = performance.now();
  for (let attempt = 1; ; attempt++) {
    const state = foldAccount(await store.read(stream));
    if (!deposit && state.balance < 1) return { kind: 'rejected', attempts: attempt };
    const event: PlainEvent = deposit
      ? { type: DEPOSITED, data: { amount: 2 } }
      : { type: WITHDRAWN, data: { amount: 1 } };
    try {
      await store.append(stream, [event], state.length);
      return { kind: 'ok', attempts: attempt, deposit };
    } catch (error) {
      if (!(error instanceof LengthConflict)) throw error;
      if (performance.now() - began > HOT_GIVE_UP_MS) return { kind: 'failed', attempts: attempt, error: 'GaveUp' };
      await sleep(handDelay(attempt - 1));
    }
  }
}

/** One read of the whole stream: the runs' streams stay under 10,000 events (without maxCount the client reads markedly slower). */
const RAW_READ = { fromRevision: START, direction: FORWARDS, maxCount: 10_000 } as const;

/** The raw Kurrent client's command: read, fold, decide, append at the revision read; full-jitter retry on a wrong expected version. */
async function handKurrentCommand(client: KurrentDBClient, stream: string, deposit: boolean): Promise<Outcome> {
  const began = performance.now();
  for (let attempt = 1; ; attempt++) {
    let balance = 0;
    let revision = -1n;
    for await (const resolved of client.readStream(stream, RAW_READ)) {
      const event = resolved.event!;
      const amount = (event.data as { amount?: number }).amount ?? 0;
      if (event.type === DEPOSITED) balance += amount;
      else if (event.type === WITHDRAWN) balance -= amount;
      revision = event.revision;
    }
    if (!deposit && balance < 1) return { kind: 'rejected', attempts: attempt };
    try {
      await client.appendToStream(
        stream,
        jsonEvent({ type: deposit ? DEPOSITED : WITHDRAWN, data: { accountId: ACCOUNT, amount: deposit ? 2 : 1 } }),
        {
          streamState: revision,
        },
      );
      return { kind: 'ok', attempts: attempt, deposit };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      if (performance.now() - began > HOT_GIVE_UP_MS) return { kind: 'failed', attempts: attempt, error: 'GaveUp' };
      await sleep(handDelay(attempt - 1));
    }
  }
}

async function mnemeInstances(
  instances: number,
  store: (i: number) => EventStore | { kurrent: string },
  retry?: RetryOptions,
): Promise<{ buses: CommandBus[]; containers: Container[] }> {
  const containers: Container[] = [];
  const buses: CommandBus[] = [];
  for (let i = 0; i < instances; i++) {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store(i), ...(retry ? { retry } : {}) }));
    containers.push(container);
    buses.push(container.get(CommandBus));
  }
  return { buses, containers };
}

export const inMemoryTarget = (settings: BenchSettings): HotTarget => ({
  key: 'memory',
  label: 'in memory, one InMemoryEventStore',
  commandsPerInstance: (n) => Math.max(5, Math.round((settings.quick ? 400 : 1600) / n)),
  hand: async () => {
    const store = new ObjectEventStore(true);
    await store.append(`BankAccount-${ACCOUNT}`, [{ type: OPENED, data: { owner: 'Ada' } }], 0);
    return {
      send: (_i, deposit) => handInMemoryCommand(store, deposit),
      balance: async () => foldAccount(await store.read(`BankAccount-${ACCOUNT}`)).balance,
      close: async () => undefined,
    };
  },
  mneme: async (instances, retry) => {
    const store = new InMemoryEventStore();
    const { buses } = await mnemeInstances(instances, () => store, retry);
    await buses[0]!.execute(new OpenAccount(ACCOUNT, 'Ada'));
    return {
      send: (i, deposit) => mnemeHotCommand(buses[i]!, ACCOUNT, deposit),
      balance: async () => (await new AggregateRepository(store).load(BankAccount, ACCOUNT)).balance,
      close: async () => undefined,
    };
  },
});

export const emulatorTarget = (settings: BenchSettings, connectionString: string): HotTarget => ({
  key: 'emulator',
  label: 'Kurrent emulator, one client per instance',
  commandsPerInstance: (n) => Math.max(settings.quick ? 2 : 5, Math.round((settings.quick ? 64 : 200) / n)),
  hand: async (instances) => {
    const clients = Array.from({ length: instances }, () => KurrentDBClient.connectionString(connectionString));
    const stream = `BankAccount-hand-${randomUUID()}`;
    await clients[0]!.appendToStream(stream, jsonEvent({ type: OPENED, data: { accountId: ACCOUNT, owner: 'Ada' } }), {
      streamState: 'no_stream',
    });
    return {
      send: (i, deposit) => handKurrentCommand(clients[i]!, stream, deposit),
      balance: async () => {
        let balance = 0;
        for await (const { event } of clients[0]!.readStream(stream, RAW_READ)) {
          const amount = (event!.data as { amount?: number }).amount ?? 0;
          balance += event!.type === DEPOSITED ? amount : event!.type === WITHDRAWN ? -amount : 0;
        }
        return balance;
      },
      close: async () => void (await Promise.all(clients.map((c) => c.dispose()))),
    };
  },
  mneme: async (instances, retry) => {
    // A fresh account per run: the streams of earlier runs stay on the emulator.
    const account = `hot-${randomUUID()}`;
    const { buses, containers } = await mnemeInstances(instances, () => ({ kurrent: connectionString }), retry);
    await buses[0]!.execute(new OpenAccount(account, 'Ada'));
    return {
      send: (i, deposit) => mnemeHotCommand(buses[i]!, account, deposit),
      balance: async () =>
        (await new AggregateRepository(containers[0]!.get(EventStore)).load(BankAccount, account)).balance,
      close: async () => void (await Promise.all(containers.map((c) => c.unbindAllAsync()))),
    };
  },
});

export const HOT_INSTANCES = [8, 16, 32] as const;

/** Runs the hand-written loop and Mneme alternately, `rounds` times each, and adds up what every run counted. */
export async function hotStream(
  target: HotTarget,
  instances: number,
  rounds: number,
  retry?: RetryOptions,
  warmUp = target.key === 'memory',
): Promise<Map<string, HotStreamCounts & { runs: number; medianTotalMs: number }>> {
  const perInstance = target.commandsPerInstance(instances);
  const variants: [string, () => Promise<HotSetup>][] = [
    [HOT_HAND, () => target.hand(instances)],
    [hotMneme(instances), () => target.mneme(instances, retry)],
  ];
  const totals = new Map<string, HotStreamCounts & { runs: number; medianTotalMs: number }>();
  const times = new Map<string, number[]>();
  // One uncounted run each first, as in the other scenarios: a JIT-cold run says little of a hot stream.
  for (const [name, setup] of warmUp ? variants : []) {
    const state = await setup();
    try {
      await hotRun(instances, perInstance, state.send, state.balance, name);
    } finally {
      await state.close();
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, setup] of round % 2 === 0 ? variants : [...variants].reverse()) {
      const state = await setup();
      collectGarbage();
      try {
        const counts = await hotRun(instances, perInstance, state.send, state.balance, name);
        const sum = totals.get(name) ?? {
          ...counts,
          commands: 0,
          ok: 0,
          rejected: 0,
          failed: 0,
          attempts: 0,
          maxMs: 0,
          p99Ms: 0,
          totalMs: 0,
          failures: {},
          runs: 0,
          medianTotalMs: 0,
        };
        sum.commands += counts.commands;
        sum.ok += counts.ok;
        sum.rejected += counts.rejected;
        sum.failed += counts.failed;
        sum.attempts += counts.attempts;
        sum.maxMs = Math.max(sum.maxMs, counts.maxMs);
        sum.p99Ms = Math.max(sum.p99Ms, counts.p99Ms);
        sum.totalMs += counts.totalMs;
        for (const [error, n] of Object.entries(counts.failures)) sum.failures[error] = (sum.failures[error] ?? 0) + n;
        sum.runs++;
        totals.set(name, sum);
        times.set(name, [...(times.get(name) ?? []), counts.totalMs]);
      } finally {
        await state.close();
      }
    }
  }
  for (const [name, sum] of totals) sum.medianTotalMs = median(times.get(name)!);
  return totals;
}

/** The hot-stream figures: 8, 16 and 32 instances on each store, next to the hand-written full-jitter retry. */
async function hotStreamScenarios(settings: BenchSettings): Promise<ScenarioReport[]> {
  const emulator = await startKurrentEmulator();
  try {
    const reports: ScenarioReport[] = [];
    for (const target of [inMemoryTarget(settings), emulatorTarget(settings, emulator.connectionString)]) {
      for (const instances of HOT_INSTANCES) {
        // The emulator's runs take seconds each (the hand-written retry's up to minutes at 32 instances): one each.
        const rounds = target.key === 'memory' ? settings.contentionRounds * 2 : 1;
        const totals = await hotStream(target, instances, rounds);
        const perCommand = new Map([...totals].map(([name, t]) => [name, t.medianTotalMs / (t.commands / t.runs)]));
        const hand = totals.get(HOT_HAND)!;
        reports.push(
          scenarioReport(
            `hot-stream-${target.key}-${instances}`,
            `3h. Hot stream, ${target.label}: ${instances} instances x ${target.commandsPerInstance(instances)} commands, ${rounds} runs (failed, attempts and max latency over all runs)`,
            'command',
            1,
            perCommand,
            [HOT_HAND],
            (variant) => {
              const t = totals.get(variant)!;
              return {
                ok: t.ok,
                rejected: t.rejected,
                failed: t.failed,
                attempts: t.attempts,
                totalMs: round(t.totalMs, 1),
                p99Ms: round(t.p99Ms, 2),
                maxMs: round(t.maxMs, 2),
                maxLatencyRatio: round(t.maxMs / hand.maxMs, 2),
                failures: t.failures,
              };
            },
          ),
        );
      }
    }
    return reports;
  } finally {
    await emulator.close();
  }
}
