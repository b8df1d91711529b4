import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  AggregateNotFoundError,
  CommandBus,
  DomainError,
  InMemoryEventStore,
  ProjectionRunner,
  mnemeModule,
} from 'mneme';
import { aggregateSpec, conflictingStore } from 'mneme/testing';
import { AccountsByOwner } from '../../examples/bank-account/accounts-by-owner.js';
import {
  AccountOpened,
  BankAccount,
  Deposit,
  Deposited,
  InsufficientFunds,
  OpenAccount,
  Withdraw,
  Withdrawn,
} from '../../examples/bank-account/domain.js';

describe('the bank account, given/when/then', () => {
  it('opens an account', () =>
    aggregateSpec(BankAccount).when(new OpenAccount('a-1', 'Ada')).thenEmits(new AccountOpened('a-1', 'Ada')));

  it('refuses to open an account twice', () =>
    aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'))
      .when(new OpenAccount('a-1', 'Ada'))
      .thenThrows(DomainError, { message: 'Account already open' }));

  it('accepts a deposit', () =>
    aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'))
      .when(new Deposit('a-1', 50))
      .thenEmits(new Deposited('a-1', 50)));

  it('withdraws within the balance', () =>
    aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'), new Deposited('a-1', 100), new Withdrawn('a-1', 40))
      .when(new Withdraw('a-1', 60))
      .thenEmits(new Withdrawn('a-1', 60)));

  it('rejects a withdrawal above the balance', () =>
    aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'), new Deposited('a-1', 100))
      .when(new Withdraw('a-1', 101))
      .thenThrows(InsufficientFunds, { accountId: 'a-1', balance: 100, requested: 101 }));

  it('rejects a deposit to an account never opened', () =>
    aggregateSpec(BankAccount).when(new Deposit('a-9', 5)).thenThrows(AggregateNotFoundError));
});

describe('the bank account under contention', () => {
  it('a withdrawal that loses two races is retried and applied once', async () => {
    const inner = new InMemoryEventStore();
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], eventStore: inner }));
    const bus = container.get(CommandBus);
    await bus.execute(new OpenAccount('a-1', 'Ada'));
    await bus.execute(new Deposit('a-1', 100));

    // Another process wins the next two appends.
    const racing = conflictingStore(inner, { times: 2 });
    const contended = new Container();
    contended.load(
      mnemeModule({ aggregates: [BankAccount], eventStore: racing, retry: { maxRetries: 3, maxDelayMs: 1 } }),
    );
    const result = await contended.get(CommandBus).execute(new Withdraw('a-1', 30));
    expect(result.attempts).toBe(3);
    expect(racing.conflicts).toBe(2);

    const readModel = new Container();
    readModel.load(mnemeModule({ eventStore: inner, projections: [AccountsByOwner] }));
    const runner = readModel.get(ProjectionRunner);
    await runner.start();
    await runner.catchUp();
    expect(readModel.get(AccountsByOwner).accountsOf('Ada')).toEqual([{ accountId: 'a-1', balance: 70 }]);
    await runner.stop();
  });
});
