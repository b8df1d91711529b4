import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  EventDeserializationError,
  EventType,
  Handles,
  InMemoryEventStore,
  Upcast,
  type RecordedEvent,
} from 'mneme';
import { deserializeEvent } from '../../src/events/event-serializer.js';

const recorded = (type: string, data: unknown): RecordedEvent => ({
  id: '00000000-0000-4000-8000-000000000000',
  streamName: 'Hostile-1',
  revision: 3n,
  type,
  data,
  metadata: {},
  createdAt: new Date(),
});

class Amount {
  constructor(readonly value: number) {}
}

/** Each v1 -> v2 upcaster returns something that is not plain data. */
const returns: [string, (data: { amount: number }) => unknown, RegExp][] = [
  ['a Promise (an async upcaster)', async (data) => ({ ...data, currency: 'EUR' }), /a Promise/],
  ['a Promise that rejects', (data) => Promise.reject(new Error(`no currency for ${data.amount}`)), /a Promise/],
  ['a Map', (data) => new Map([['amount', data.amount]]), /a Map/],
  ['a Date', () => new Date(0), /a Date/],
  ['a class instance', (data) => new Amount(data.amount), /an? Amount/],
  ['a plain object holding a Map', (data) => ({ amount: data.amount, currency: new Map() }), /a Map at \.currency/],
  [
    'a plain object holding a Date deep inside',
    (data) => ({ amount: data.amount, history: [{ at: new Date(0) }] }),
    /a Date at \.history\[0\]\.at/,
  ],
  ['a plain object holding a BigInt', (data) => ({ amount: BigInt(data.amount) }), /a BigInt at \.amount/],
];

const classes = returns.map(([label, upcast], index) => {
  @EventType(`HostileUpcast.Paid${index}`, { version: 2 })
  class Paid {
    @Upcast(1) static up(data: { amount: number }) {
      return upcast(data);
    }
    constructor(
      readonly amount: number = -1,
      readonly currency: string = 'constructor default',
    ) {}
  }
  return { label, type: `HostileUpcast.Paid${index}`, Paid };
});

describe('an upcaster that does not return plain data synchronously', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it.each(returns.map(([label, , pattern], index) => [label, pattern, classes[index]!.type] as const))(
    'returning %s is refused with EventDeserializationError naming the type and version',
    async (_label, pattern, type) => {
      let error: unknown;
      try {
        const event = deserializeEvent(recorded(type, { amount: 5 }));
        error = new Error(`built ${JSON.stringify(event)} instead of failing`);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EventDeserializationError);
      const failure = error as EventDeserializationError;
      expect(failure).toMatchObject({
        code: 'MNEME_EVENT_DESERIALIZATION',
        eventType: type,
        streamName: 'Hostile-1',
        revision: 3n,
      });
      expect(failure.reason).toMatch(pattern);
      expect(failure.reason).toContain('from schema version 1');
      expect(failure.message).toContain(type);
      // A rejecting upcaster's promise was observed: nothing reaches the process.
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(unhandled).toEqual([]);
    },
  );

  it('fails the load of an aggregate whose history it upcasts, instead of replaying constructor defaults', async () => {
    @EventType('HostileUpcast.Deposited', { version: 2 })
    class Deposited {
      @Upcast(1) static async up(data: { amount: number }) {
        return { ...data, currency: 'EUR' };
      }
      constructor(
        readonly amount: number = 0,
        readonly currency: string = 'none',
      ) {}
    }
    class Deposit {
      @AggregateId() id: string;
      constructor(id: string) {
        this.id = id;
      }
    }
    @Aggregate({ category: 'HostileUpcastAccount' })
    class Account extends AggregateRoot {
      balance = 0;
      @Handles(Deposit) deposit() {
        return new Deposited(1, 'EUR');
      }
      @Apply(Deposited) onDeposited(event: Deposited) {
        this.balance += event.amount;
      }
    }
    const store = new InMemoryEventStore();
    await store.appendToStream('HostileUpcastAccount-a', [
      { type: 'HostileUpcast.Deposited', data: { amount: 10 }, metadata: { schemaVersion: 1 } },
    ]);
    const error = await new AggregateRepository(store, { cache: false }).load(Account, 'a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventDeserializationError);
    expect((error as EventDeserializationError).reason).toMatch(/a Promise/);
  });
});
