import 'reflect-metadata';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Container } from 'inversify';
import { AggregateRepository, CommandBus, mnemeModule } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';

const reflectReads = [
  'getMetadata',
  'getOwnMetadata',
  'hasMetadata',
  'hasOwnMetadata',
  'getMetadataKeys',
  'getOwnMetadataKeys',
] as const;

describe('the per-command and per-event paths', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('read no decorator metadata once a class has been compiled', async () => {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount] }));
    const bus = container.get(CommandBus);
    const repository = container.get(AggregateRepository);
    // Warm-up: the first use of each class compiles its tables.
    await bus.execute(new OpenAccount('warm', 'Ada'));
    await bus.execute(new Deposit('warm', 10));
    await bus.execute(new Withdraw('warm', 5));

    const spies = reflectReads.map((name) => jest.spyOn(Reflect, name));
    await bus.execute(new OpenAccount('hot', 'Ada'));
    for (let i = 0; i < 20; i++) await bus.execute(new Deposit('hot', 1));
    await bus.execute(new Withdraw('hot', 5));
    const account = await repository.load(BankAccount, 'hot');

    expect(account.balance).toBe(15);
    expect(spies.map((spy) => spy.mock.calls.length)).toEqual(reflectReads.map(() => 0));
  });
});
