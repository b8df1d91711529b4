import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Container } from 'inversify';
import { AggregateRepository, CommandBus, InMemoryEventStore, NO_STREAM, mnemeModule, type EventStore } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../examples/bank-account/domain.js';
import { kurrentAdapter } from './kurrent.js';
import { compare, report } from './measure.js';

/**
 * `npm run bench`: Mneme against hand-written code doing the same work on the same store, in the
 * same process. Ratios, not absolute times, are what to compare between machines and commits.
 */
const REPLAY_EVENTS = 10_000;
const COMMANDS = 500;
const CONTENDED = 20;

async function seedAccount(store: EventStore, id: string, deposits: number): Promise<void> {
  await store.appendToStream(`BankAccount-${id}`, [
    { type: 'BankAccount.Opened', data: { accountId: id, owner: 'Ada' } },
    ...Array.from({ length: deposits }, () => ({ type: 'BankAccount.Deposited', data: { accountId: id, amount: 1 } })),
  ]);
}

/** The hand-written fold: a switch over plain JSON, no classes, no metadata. */
async function handWrittenBalance(store: EventStore, stream: string): Promise<{ balance: number; version: bigint }> {
  let balance = 0;
  let version = -1n;
  for await (const event of store.readStream(stream)) {
    const data = event.data as { amount?: number };
    switch (event.type) {
      case 'BankAccount.Deposited':
        balance += data.amount!;
        break;
      case 'BankAccount.Withdrawn':
        balance -= data.amount!;
        break;
    }
    version = event.revision;
  }
  return { balance, version };
}

async function replay(): Promise<string> {
  const store = new InMemoryEventStore();
  await seedAccount(store, 'replay', REPLAY_EVENTS - 1);
  const repository = new AggregateRepository(store);
  const measured = await compare(
    { name: 'switch over JSON', run: () => handWrittenBalance(store, 'BankAccount-replay') },
    { name: 'repository.load', run: () => repository.load(BankAccount, 'replay') },
  );
  return report(`Replay of a ${REPLAY_EVENTS}-event stream`, measured, 'event', REPLAY_EVENTS);
}

async function commands(): Promise<string> {
  const baselineStore = new InMemoryEventStore();
  const handWritten = async () => {
    const id = randomUUID();
    await seedAccount(baselineStore, id, 0);
    for (let i = 0; i < COMMANDS; i++) {
      const stream = `BankAccount-${id}`;
      const { version } = await handWrittenBalance(baselineStore, stream);
      await baselineStore.appendToStream(stream, [{ id: randomUUID(), type: 'BankAccount.Deposited', data: { accountId: id, amount: 1 } }], {
        expectedRevision: version < 0n ? NO_STREAM : version,
      });
    }
  };
  const container = new Container();
  await container.load(mnemeModule({ aggregates: [BankAccount] }));
  const bus = container.get(CommandBus);
  const throughTheBus = async () => {
    const id = randomUUID();
    await bus.execute(new OpenAccount(id, 'Ada'));
    for (let i = 0; i < COMMANDS; i++) await bus.execute(new Deposit(id, 1));
  };
  const measured = await compare(
    { name: 'read, fold, decide, append', run: handWritten },
    { name: 'bus.execute(Deposit)', run: throughTheBus },
    5,
  );
  return report(`${COMMANDS} sequential commands on one growing stream`, measured, 'command', COMMANDS);
}

async function contention(inProcessStreamQueue: boolean): Promise<string> {
  const container = new Container();
  await container.load(mnemeModule({ aggregates: [BankAccount], retry: { maxRetries: 100 }, inProcessStreamQueue }));
  const bus = container.get(CommandBus);
  let attempts = 0;
  const concurrent = async () => {
    const id = randomUUID();
    await bus.execute(new OpenAccount(id, 'Ada'));
    await bus.execute(new Deposit(id, CONTENDED));
    const results = await Promise.all(Array.from({ length: CONTENDED }, () => bus.execute(new Withdraw(id, 1))));
    attempts = results.reduce((sum, r) => sum + r.attempts, 0);
  };
  const sequential = async () => {
    const id = randomUUID();
    await bus.execute(new OpenAccount(id, 'Ada'));
    await bus.execute(new Deposit(id, CONTENDED));
    for (let i = 0; i < CONTENDED; i++) await bus.execute(new Withdraw(id, 1));
  };
  const measured = await compare(
    { name: `${CONTENDED} sequential withdrawals`, run: sequential },
    { name: `${CONTENDED} concurrent withdrawals`, run: concurrent },
  );
  return (
    report(
      `${CONTENDED} withdrawals on one account, concurrent vs sequential (inProcessStreamQueue: ${inProcessStreamQueue})`,
      measured,
      'command',
      CONTENDED,
    ) +
    `\n  attempts in the last concurrent run: ${attempts} for ${CONTENDED} commands (default backoff)`
  );
}

console.log(`Mneme benchmarks (Node ${process.version})\n`);
for (const bench of [replay, commands, () => contention(true), () => contention(false)]) console.log(`${await bench()}\n`);
for (const line of await kurrentAdapter()) console.log(`${line}\n`);
