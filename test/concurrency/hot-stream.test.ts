import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { AggregateRepository, CommandBus, EventStore, InMemoryEventStore, mnemeModule } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';
import { useKurrentTarget } from '../support/kurrent-target.js';

/**
 * A hot stream: 32 app instances (separate containers with the default settings, each with its own
 * store client on Kurrent) send commands back to back on ONE account, all at once. Every command
 * must succeed (none runs out of retries), and the stream must hold exactly what they decided.
 * MNEME_HOT_STREAM_COMMANDS raises the commands per instance for a longer run.
 */
const INSTANCES = 32;
const longer = Number(process.env.MNEME_HOT_STREAM_COMMANDS) || 0;

async function instances(
  store: () => EventStore | { kurrent: string },
): Promise<{ buses: CommandBus[]; containers: Container[] }> {
  const containers: Container[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store() }));
    containers.push(container);
  }
  return { containers, buses: containers.map((c) => c.get(CommandBus)) };
}

async function hotStream(buses: CommandBus[], store: EventStore, perInstance: number): Promise<void> {
  const account = `hot-${randomUUID()}`;
  await buses[0]!.execute(new OpenAccount(account, 'Ada'));
  const failures: unknown[] = [];
  let retried = 0;
  await Promise.all(
    buses.map(async (bus) => {
      for (let k = 0; k < perInstance; k++) {
        // Deposit 2, withdraw 1: each instance's withdrawal follows its own deposit, so none is rejected.
        const result = await bus
          .execute(k % 2 === 0 ? new Deposit(account, 2) : new Withdraw(account, 1))
          .catch((error: unknown) => {
            failures.push(error);
            return undefined;
          });
        if (result && result.attempts > 1) retried++;
      }
    }),
  );
  expect(failures).toEqual([]);
  expect(retried).toBeGreaterThan(0); // the instances really raced
  const commands = INSTANCES * perInstance;
  const events = await collect(store.readStream(`BankAccount-${account}`));
  expect(events.map((e) => e.revision)).toEqual(Array.from({ length: commands + 1 }, (_, i) => BigInt(i)));
  expect(new Set(events.map((e) => e.metadata.commandId)).size).toBe(commands + 1);
  const deposits = INSTANCES * Math.ceil(perInstance / 2);
  const withdrawals = INSTANCES * Math.floor(perInstance / 2);
  expect((await new AggregateRepository(store).load(BankAccount, account)).balance).toBe(deposits * 2 - withdrawals);
}

describe('a hot stream on the InMemoryEventStore', () => {
  it(`${INSTANCES} instances x ${longer || 20} commands on one account: none fails, every decision stored once`, async () => {
    const store = new InMemoryEventStore();
    const { buses } = await instances(() => store);
    await hotStream(buses, store, longer || 20);
  });
});

describe('a hot stream on Kurrent (one client per instance)', () => {
  const kurrent = useKurrentTarget();

  it(`${INSTANCES} instances x ${longer || 4} commands on one account: none fails, every decision stored once`, async () => {
    const { buses, containers } = await instances(() => ({ kurrent: kurrent.target.connectionString }));
    try {
      await hotStream(buses, containers[0]!.get(EventStore), longer || 4);
    } finally {
      await Promise.all(containers.map((c) => c.unbindAllAsync()));
    }
  }, 120_000);
});
