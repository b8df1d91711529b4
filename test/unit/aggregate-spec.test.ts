import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { AggregateNotFoundError, DomainError } from 'mneme';
import { AggregateSpecFailedError, aggregateSpec } from 'mneme/testing';
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

/** For specs that must fail: a spec that passes fails the test. */
const passed = (): never => {
  throw new Error('the spec passed, but it should have failed');
};

describe(aggregateSpec.name, () => {
  it('passes when the command emits exactly the expected events', async () => {
    await aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'), new Deposited('a-1', 100))
      .when(new Withdraw('a-1', 30))
      .thenEmits(new Withdrawn('a-1', 30));
    await aggregateSpec(BankAccount).when(new OpenAccount('a-2', 'Grace')).thenEmits(new AccountOpened('a-2', 'Grace'));
  });

  it('applies the given events with the real appliers', async () => {
    await aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'))
      .given(new Deposited('a-1', 10))
      .when(new Withdraw('a-1', 11))
      .thenThrows(InsufficientFunds, { balance: 10, requested: 11 });
  });

  it('rejects with a field-by-field diff when a field differs', async () => {
    const error = await aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'), new Deposited('a-1', 100))
      .when(new Withdraw('a-1', 20))
      .thenEmits(new Withdrawn('a-1', 30))
      .then(passed, (e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateSpecFailedError);
    expect((error as Error).message).toBe(
      'BankAccount handling Withdraw: the emitted events differ (expected 1, got 1):\n  #0 Withdrawn\n     - amount: 30\n     + amount: 20',
    );
  });

  it('names the classes when the event class differs, and reports missing and extra events', async () => {
    const wrongClass = await aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'))
      .when(new Deposit('a-1', 5))
      .thenEmits(new Withdrawn('a-1', 5))
      .then(passed, (e: unknown) => e as Error);
    expect(wrongClass.message).toContain('#0 expected Withdrawn {"accountId":"a-1","amount":5}');
    expect(wrongClass.message).toContain('but got Deposited {"accountId":"a-1","amount":5,"currency":"EUR"}');

    const missing = await aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'))
      .when(new Deposit('a-1', 5))
      .thenEmits(new Deposited('a-1', 5), new Deposited('a-1', 1))
      .then(passed, (e: unknown) => e as Error);
    expect(missing.message).toContain('#1 missing: expected Deposited');

    const extra = await aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'))
      .when(new Deposit('a-1', 5))
      .thenEmits()
      .then(passed, (e: unknown) => e as Error);
    expect(extra.message).toContain('#0 unexpected: Deposited');
  });

  it('thenEmits rejects when the handler throws, with the error as the cause', async () => {
    const error = await aggregateSpec(BankAccount)
      .when(new Deposit('a-1', 5))
      .thenEmits(new Deposited('a-1', 5))
      .then(passed, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'MNEME_AGGREGATE_SPEC_FAILED', aggregate: 'BankAccount', command: 'Deposit' });
    expect((error as Error).cause).toBeInstanceOf(AggregateNotFoundError);
  });

  it('thenThrows rejects when nothing is thrown, when another error is thrown, or when fields differ', async () => {
    const none = await aggregateSpec(BankAccount)
      .when(new OpenAccount('a-1', 'Ada'))
      .thenThrows(DomainError)
      .then(passed, (e: unknown) => e as Error);
    expect(none.message).toContain('expected it to throw DomainError but it emitted AccountOpened');
    const other = await aggregateSpec(BankAccount)
      .when(new Withdraw('a-1', 5))
      .thenThrows(InsufficientFunds)
      .then(passed, (e: unknown) => e as Error);
    expect(other.message).toContain('expected InsufficientFunds but it threw AggregateNotFoundError');
    const fields = await aggregateSpec(BankAccount)
      .given(new AccountOpened('a-1', 'Ada'))
      .when(new Withdraw('a-1', 5))
      .thenThrows(InsufficientFunds, { requested: 6 })
      .then(passed, (e: unknown) => e as Error);
    expect(fields.message).toContain('- requested: 6\n  + requested: 5');
  });

  it('is never accidentally awaitable', async () => {
    const spec = aggregateSpec(BankAccount).given(new AccountOpened('a-1', 'Ada'));
    expect('then' in spec).toBe(false);
    const when = spec.when(new Deposit('a-1', 1));
    expect('then' in when).toBe(false);
    // A spec left without an awaited assertion fails the test (test/package/jest-app.test.ts shows it).
    await when.thenEmits(new Deposited('a-1', 1));
  });
});
