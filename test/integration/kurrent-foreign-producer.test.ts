import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { binaryEvent, jsonEvent } from '@kurrent/kurrentdb-client';
import { CommandBus, EventDeserializationError, mnemeModule } from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { uniqueStream, useKurrentTarget } from '../support/kurrent-target.js';

// Events another producer wrote with the raw client into a Mneme aggregate's stream. Holds on a real
// KurrentDB too.
// Data that is not a JSON object (bytes, an array) is refused before any upcaster runs, with
// EventDeserializationError: never an empty event, never NaN in state.

describe('an aggregate stream holding events another producer wrote', () => {
  let store: KurrentEventStore;
  let bus: CommandBus;
  afterAll(async () => {
    await store?.close();
  });
  const kurrent = useKurrentTarget();
  beforeAll(async () => {
    store = new KurrentEventStore(kurrent.target.connectionString);
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store, aggregateCache: false }));
    bus = container.get(CommandBus);
  });

  it('reads metadata that is not JSON as empty, and still applies the event', async () => {
    const id = uniqueStream('foreign').replace(/^[^-]*-/, '');
    await bus.execute(new OpenAccount(id, 'Ada'));
    await kurrent.client.appendToStream(`BankAccount-${id}`, [
      jsonEvent({
        type: 'BankAccount.Deposited',
        data: { accountId: id, amount: 40, currency: 'EUR' },
        metadata: Buffer.from('not json') as never,
      }),
    ]);
    await bus.execute(new Deposit(id, 2));
    await expect(bus.execute(new Withdraw(id, 42))).resolves.toMatchObject({ nextExpectedRevision: 3n }); // 40 + 2: the foreign deposit was applied
  });

  it('refuses binary data under a registered type with EventDeserializationError naming stream, revision and type', async () => {
    const id = uniqueStream('foreign').replace(/^[^-]*-/, '');
    await bus.execute(new OpenAccount(id, 'Ada'));
    await kurrent.client.appendToStream(`BankAccount-${id}`, [
      binaryEvent({ type: 'BankAccount.Deposited', data: Buffer.from([0xff, 0x00, 0x01]) }),
    ]);
    const error = await bus.execute(new Deposit(id, 1)).catch((e: unknown) => e);
    expect(EventDeserializationError.is(error)).toBe(true);
    expect(error).toMatchObject({ streamName: `BankAccount-${id}`, revision: 1n, eventType: 'BankAccount.Deposited' });
  });

  it('refuses JSON data that is not an object (an array) the same way', async () => {
    const id = uniqueStream('foreign').replace(/^[^-]*-/, '');
    await bus.execute(new OpenAccount(id, 'Ada'));
    await kurrent.client.appendToStream(`BankAccount-${id}`, [
      jsonEvent({ type: 'BankAccount.Deposited', data: [1, 2, 3] as never }),
    ]);
    const error = await bus.execute(new Deposit(id, 1)).catch((e: unknown) => e);
    expect(EventDeserializationError.is(error)).toBe(true);
    expect(error).toMatchObject({ revision: 1n, eventType: 'BankAccount.Deposited' });
  });
});
