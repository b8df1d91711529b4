import { randomUUID } from 'node:crypto';
import { FORWARDS, KurrentDBClient, START, jsonEvent } from '@kurrent/kurrentdb-client';
import { Container } from 'inversify';
import { CommandBus, mnemeModule } from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { DEFAULT_READ_PAGE_SIZE } from '../../src/kurrent/kurrent-event-store.js';
import { startKurrentEmulator } from 'mneme/testing';
import { BankAccount, Deposit, OpenAccount } from '../../examples/bank-account/domain.js';
import { DEPOSITED, OPENED, WITHDRAWN } from '../account-events.js';
import { alternateBatches, alternateRepeatable, type Batch } from '../harness.js';
import type { ScenarioReport } from '../results.js';
import { scenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

export const RAW_APPENDS = 'raw client appendToStream';
export const STORE_APPENDS = 'KurrentEventStore.appendToStream';
export const RAW_READ = 'raw client readStream';
export const STORE_READ = 'KurrentEventStore.readStream';
export const RAW_COMMAND = 'raw client read, fold, append';
export const BUS_COMMAND = 'Mneme CommandBus on Kurrent';

/** The raw reads ask for what the store asks for (one page): without maxCount the client reads markedly slower. */
const READ = { fromRevision: START, direction: FORWARDS, maxCount: DEFAULT_READ_PAGE_SIZE } as const;

/**
 * Target 4: the Kurrent path on the in-process emulator, through the real client on both sides, so
 * the difference is the adapter's (and the bus's) own cost, not the server's.
 */
export async function kurrentScenarios(settings: BenchSettings): Promise<ScenarioReport[]> {
  const emulator = await startKurrentEmulator();
  const client = KurrentDBClient.connectionString(emulator.connectionString);
  const store = new KurrentEventStore(client);
  try {
    return [
      await appends(settings, client, store),
      await reads(settings, client, store),
      await commands(settings, client, store),
    ];
  } finally {
    await client.dispose();
    await emulator.close();
  }
}

async function appends(
  settings: BenchSettings,
  client: KurrentDBClient,
  store: KurrentEventStore,
): Promise<ScenarioReport> {
  const count = settings.kurrentAppends;
  const fresh = async () => `bench-${randomUUID()}`;
  const raw: Batch<string, void> = {
    name: RAW_APPENDS,
    setup: fresh,
    run: async (stream) => {
      for (let i = 0; i < count; i++) {
        await client.appendToStream(stream, jsonEvent({ type: 'Bench.Happened', data: { i } }), {
          streamState: i === 0 ? 'no_stream' : BigInt(i - 1),
        });
      }
    },
  };
  const ours: Batch<string, void> = {
    name: STORE_APPENDS,
    setup: fresh,
    run: async (stream) => {
      for (let i = 0; i < count; i++) {
        await store.appendToStream(stream, [{ type: 'Bench.Happened', data: { i } }], {
          expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1),
        });
      }
    },
  };
  const times = await alternateBatches<void>([raw, ours], settings.kurrentRounds);
  return scenarioReport(
    'kurrent-appends',
    `4a. ${count} sequential single-event appends (Kurrent emulator)`,
    'append',
    1,
    new Map([...times].map(([name, t]) => [name, t.medianMs / count])),
    [RAW_APPENDS],
  );
}

async function reads(
  settings: BenchSettings,
  client: KurrentDBClient,
  store: KurrentEventStore,
): Promise<ScenarioReport> {
  const length = settings.kurrentReadLength;
  const stream = `bench-long-${randomUUID()}`;
  for (let i = 0; i < length; i += 500) {
    await store.appendToStream(
      stream,
      Array.from({ length: Math.min(500, length - i) }, (_, j) => ({ type: 'Bench.Happened', data: { i: i + j } })),
    );
  }
  const times = await alternateRepeatable(
    [
      {
        name: RAW_READ,
        run: async () => {
          let count = 0;
          for await (const resolved of client.readStream(stream, READ)) if (resolved.event) count++;
          if (count !== length) throw new Error(`read ${count} of ${length}`);
        },
      },
      {
        name: STORE_READ,
        run: async () => {
          let count = 0;
          for await (const _ of store.readStream(stream)) count++;
          if (count !== length) throw new Error(`read ${count} of ${length}`);
        },
      },
    ],
    settings.kurrentRounds,
    settings.sliceMs,
  );
  return scenarioReport(
    'kurrent-reads',
    `4b. Read a ${length.toLocaleString('en-US')}-event stream (Kurrent emulator)`,
    'event',
    length,
    times,
    [RAW_READ],
  );
}

/** The raw client's version of a Deposit: read the stream, fold it, check, append at the revision read. */
async function rawDeposit(client: KurrentDBClient, stream: string, accountId: string): Promise<void> {
  let opened = false;
  let balance = 0;
  let revision = -1n;
  for await (const resolved of client.readStream(stream, READ)) {
    const event = resolved.event!;
    const data = event.data as { amount?: number };
    switch (event.type) {
      case OPENED:
        opened = true;
        break;
      case DEPOSITED:
        balance += data.amount!;
        break;
      case WITHDRAWN:
        balance -= data.amount!;
        break;
    }
    revision = event.revision;
  }
  if (!opened || balance < 0) throw new Error('Account not open');
  await client.appendToStream(stream, jsonEvent({ type: DEPOSITED, data: { accountId, amount: 1 } }), {
    streamState: revision,
  });
}

async function commands(
  settings: BenchSettings,
  client: KurrentDBClient,
  store: KurrentEventStore,
): Promise<ScenarioReport> {
  const count = settings.kurrentCommands;
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store }));
  const bus = container.get(CommandBus);
  const raw: Batch<string, void> = {
    name: RAW_COMMAND,
    setup: async () => {
      const id = randomUUID();
      await client.appendToStream(
        `BankAccount-${id}`,
        jsonEvent({ type: OPENED, data: { accountId: id, owner: 'Ada' } }),
        { streamState: 'no_stream' },
      );
      return id;
    },
    run: async (id) => {
      for (let i = 0; i < count; i++) await rawDeposit(client, `BankAccount-${id}`, id);
    },
  };
  const ours: Batch<string, void> = {
    name: BUS_COMMAND,
    setup: async () => {
      const id = randomUUID();
      await bus.execute(new OpenAccount(id, 'Ada'));
      return id;
    },
    run: async (id) => {
      for (let i = 0; i < count; i++) await bus.execute(new Deposit(id, 1));
    },
  };
  const times = await alternateBatches<void>([raw, ours], settings.kurrentRounds);
  return scenarioReport(
    'kurrent-commands',
    `4c. ${count} sequential Deposits on one account (Kurrent emulator; the stream grows to ${count + 1})`,
    'command',
    1,
    new Map([...times].map(([name, t]) => [name, t.medianMs / count])),
    [RAW_COMMAND],
  );
}
