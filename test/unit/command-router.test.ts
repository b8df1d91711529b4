import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { CommandBus, EventStore, InMemoryEventStore, InvalidCommandError, MnemeError, mnemeModule } from 'mneme';
import { BankAccount, OpenAccount } from '../../examples/bank-account/domain.js';

describe('commands that are not command objects', () => {
  const spoofed = Object.assign(Object.create(null) as object, { accountId: 'a-1', owner: 'Eve' });
  const plain = { accountId: 'a-1', owner: 'Eve', constructor: OpenAccount };

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'OpenAccount'],
    ['a BigInt', 10n],
    ['a symbol', Symbol('cmd')],
    ['an object with no prototype', spoofed],
    ['a plain object, even one naming a command class as its constructor', plain],
    ['a function', OpenAccount],
  ])('rejects %s with InvalidCommandError and touches nothing', async (_label, command) => {
    const store = new InMemoryEventStore();
    let touched = false;
    store.readStream = () => {
      touched = true;
      throw new Error('store touched');
    };
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store }));
    const error = await container
      .get(CommandBus)
      .execute(command as object)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCommandError);
    expect(MnemeError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MNEME_INVALID_COMMAND' });
    expect(touched).toBe(false);
    expect(container.get(EventStore)).toBe(store);
  });
});
