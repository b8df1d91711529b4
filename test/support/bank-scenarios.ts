import 'reflect-metadata';
import { expect } from '@jest/globals';
import { Container } from 'inversify';
import { AggregateRepository, CommandBus, EventStore, mnemeModule, type RetryOptions } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { collect } from './collect.js';

/** A container with the bank account on `store` (shared instance, as two processes would share a server). */
export async function bankContainer(
  store: EventStore,
  retry: RetryOptions = { maxRetries: 100, maxDelayMs: 20 },
  inProcessStreamQueue = true,
) {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store, retry, inProcessStreamQueue }));
  return { bus: container.get(CommandBus), repository: container.get(AggregateRepository) };
}

/**
 * The concurrency scenarios, written once and run on every store: real concurrent `execute`
 * calls, and exact balances and contiguous revisions afterwards.
 */
export const bankScenarios = {
  /** With the in-process queue off the commands race and retry; with it on they never need to. */
  async twentyConcurrentWithdrawals(
    store: EventStore,
    accountId: string,
    inProcessStreamQueue: boolean,
  ): Promise<void> {
    const { bus, repository } = await bankContainer(store, undefined, inProcessStreamQueue);
    await bus.execute(new OpenAccount(accountId, 'Ada'));
    await bus.execute(new Deposit(accountId, 200));
    const results = await Promise.all(Array.from({ length: 20 }, () => bus.execute(new Withdraw(accountId, 10))));
    expect(results.every((r) => r.events.length === 1)).toBe(true);
    if (inProcessStreamQueue) expect(results.every((r) => r.attempts === 1)).toBe(true);
    else expect(results.some((r) => r.attempts > 1)).toBe(true); // the race really happened
    const account = await repository.load(BankAccount, accountId);
    expect(account.balance).toBe(0);
    expect(account.revision).toBe(21n);
    const revisions = (await collect(store.readStream(`BankAccount-${accountId}`))).map((e) => e.revision);
    expect(revisions).toEqual(Array.from({ length: 22 }, (_, i) => BigInt(i)));
    expect(new Set(results.map((r) => r.nextExpectedRevision)).size).toBe(20);
  },

  async concurrentOpens(store: EventStore, accountId: string, inProcessStreamQueue: boolean): Promise<void> {
    const { bus } = await bankContainer(store, undefined, inProcessStreamQueue);
    const outcomes = await Promise.allSettled([
      bus.execute(new OpenAccount(accountId, 'Ada')),
      bus.execute(new OpenAccount(accountId, 'Grace')),
      bus.execute(new OpenAccount(accountId, 'Barbara')),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ message: 'Account already open' });
    }
    const stored = await collect(store.readStream(`BankAccount-${accountId}`));
    expect(stored.map((e) => e.type)).toEqual(['BankAccount.Opened']);
  },

  async twoContainersSharingAStore(store: EventStore, accountId: string): Promise<void> {
    const first = await bankContainer(store);
    const second = await bankContainer(store);
    await first.bus.execute(new OpenAccount(accountId, 'Ada'));
    await first.bus.execute(new Deposit(accountId, 100));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).bus.execute(new Withdraw(accountId, 10))),
    );
    expect(results.some((r) => r.attempts > 1)).toBe(true);
    expect((await second.repository.load(BankAccount, accountId)).balance).toBe(0);
    // An overdraft decided on stale state is caught by the retry's fresh load.
    await expect(first.bus.execute(new Withdraw(accountId, 10))).rejects.toMatchObject({
      code: 'BANK_INSUFFICIENT_FUNDS',
    });
  },
};
