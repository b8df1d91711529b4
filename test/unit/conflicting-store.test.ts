import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { CommandBus, ConcurrencyError, InMemoryEventStore, MaxRetriesExceededError, mnemeModule } from 'mneme';
import { conflictingStore } from 'mneme/testing';
import { BankAccount, Deposit, OpenAccount } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';

describe(conflictingStore.name, () => {
  it('fails the next appends with ConcurrencyError without writing, then appends normally', async () => {
    const inner = new InMemoryEventStore();
    await inner.appendToStream('S-1', [{ type: 'A', data: {} }]);
    const store = conflictingStore(inner, { times: 2 });
    await expect(
      store.appendToStream('S-1', [{ type: 'B', data: {} }], { expectedRevision: 0n }),
    ).rejects.toMatchObject({
      constructor: ConcurrencyError,
      streamName: 'S-1',
      expected: 0n,
      actual: 0n,
    });
    await expect(store.appendToStream('S-2', [{ type: 'B', data: {} }])).rejects.toThrow(ConcurrencyError);
    expect(store.remaining).toBe(0);
    expect(store.conflicts).toBe(2);
    await store.appendToStream('S-1', [{ type: 'C', data: {} }], { expectedRevision: 0n });
    expect((await collect(store.readStream('S-1'))).map((e) => e.type)).toEqual(['A', 'C']);
  });

  it('drives the command bus through its retries', async () => {
    const store = conflictingStore(new InMemoryEventStore(), { times: 2 });
    const container = new Container();
    container.load(
      mnemeModule({ aggregates: [BankAccount], eventStore: store, retry: { maxRetries: 2, maxDelayMs: 1 } }),
    );
    const result = await container.get(CommandBus).execute(new OpenAccount('a-1', 'Ada'));
    expect(result.attempts).toBe(3);

    // More conflicts than retries: the bus gives up, and nothing was written.
    const again = conflictingStore(store.inner, { times: 3 });
    const strict = new Container();
    strict.load(mnemeModule({ aggregates: [BankAccount], eventStore: again, retry: { maxRetries: 2, maxDelayMs: 1 } }));
    await expect(strict.get(CommandBus).execute(new Deposit('a-1', 5))).rejects.toThrow(MaxRetriesExceededError);
    expect((await collect(again.readStream('BankAccount-a-1'))).map((e) => e.type)).toEqual(['BankAccount.Opened']);
  });

  it('rejects a times that is not a whole number', () => {
    expect(() => conflictingStore(new InMemoryEventStore(), { times: -1 })).toThrow(/times/);
    expect(() => conflictingStore(new InMemoryEventStore(), { times: 1.5 })).toThrow(/times/);
  });
});
