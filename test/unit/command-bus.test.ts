import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateAlreadyExistsError,
  AggregateId,
  AggregateNotFoundError,
  AggregateRoot,
  Apply,
  CommandBus,
  DomainError,
  EventStore,
  EventType,
  Handles,
  HandlerNotFoundError,
  InMemoryEventStore,
  InvalidAggregateIdError,
  InvalidEventError,
  mnemeModule,
  type MnemeModuleOptions,
} from 'mneme';
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
import { collect } from '../support/collect.js';

async function setUp(options: MnemeModuleOptions = {}) {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], ...options }));
  return { bus: container.get(CommandBus), store: container.get(EventStore), container };
}

describe(CommandBus.name, () => {
  it('opens an account and reports what it appended', async () => {
    const { bus } = await setUp();
    const result = await bus.execute(new OpenAccount('acc-1', 'Ada'));
    expect(result).toEqual({
      aggregateId: 'acc-1',
      streamName: 'BankAccount-acc-1',
      events: [new AccountOpened('acc-1', 'Ada')],
      nextExpectedRevision: 0n,
      attempts: 1,
    });
    expect(result.events[0]).toBeInstanceOf(AccountOpened);
  });

  it('stores events under their stable type names with JSON data', async () => {
    const { bus, store } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    await bus.execute(new Deposit('acc-1', 25));
    const stored = await collect(store.readStream('BankAccount-acc-1'));
    expect(stored.map((e) => [e.type, e.data])).toEqual([
      ['BankAccount.Opened', { accountId: 'acc-1', owner: 'Ada' }],
      ['BankAccount.Deposited', { accountId: 'acc-1', amount: 25, currency: 'EUR' }],
    ]);
  });

  it('accepts a handler result of one event, an array, or nothing after raise()', async () => {
    const { bus } = await setUp();
    expect((await bus.execute(new OpenAccount('acc-1', 'Ada'))).events).toEqual([new AccountOpened('acc-1', 'Ada')]);
    expect((await bus.execute(new Deposit('acc-1', 50))).events).toEqual([new Deposited('acc-1', 50)]);
    const withdrawn = await bus.execute(new Withdraw('acc-1', 20));
    expect(withdrawn.events).toEqual([new Withdrawn('acc-1', 20)]);
    expect(withdrawn.nextExpectedRevision).toBe(2n);
  });

  it('rejects a withdrawal above the balance with the domain error, unchanged, and writes nothing', async () => {
    const { bus, store } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    await bus.execute(new Deposit('acc-1', 10));
    const error = await bus.execute(new Withdraw('acc-1', 11)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientFunds);
    expect(error).toMatchObject({ code: 'BANK_INSUFFICIENT_FUNDS', balance: 10, requested: 11 });
    expect(DomainError.is(error)).toBe(true);
    expect(await collect(store.readStream('BankAccount-acc-1'))).toHaveLength(2);
  });

  it('never retries a domain error', async () => {
    let calls = 0;
    class Ping {
      @AggregateId() id = 'p-1';
    }
    @Aggregate({ category: 'Pinger' })
    class Pinger extends AggregateRoot {
      @Handles(Ping) ping() {
        calls++;
        throw new DomainError('no');
      }
    }
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Pinger] }));
    await expect(container.get(CommandBus).execute(new Ping())).rejects.toThrow('no');
    expect(calls).toBe(1);
  });

  it('throws HandlerNotFoundError for a command no aggregate handles', async () => {
    class Unknown {}
    const { bus } = await setUp();
    const error = await bus.execute(new Unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerNotFoundError);
    expect(error).toMatchObject({ code: 'MNEME_HANDLER_NOT_FOUND', commandName: 'Unknown' });
    expect((error as Error).message).toContain('@Handles(Unknown)');
  });

  it.each([
    ['empty', ''],
    ['whitespace', '   '],
    ['undefined', undefined],
    ['a number', 42],
  ])('rejects a command whose aggregate id is %s before touching the store', async (_label, id) => {
    const store = new InMemoryEventStore();
    let touched = false;
    store.readStream = () => {
      touched = true;
      throw new Error('store touched');
    };
    const { bus } = await setUp({ eventStore: store });
    const error = await bus.execute(new OpenAccount(id as string, 'Ada')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAggregateIdError);
    expect(error).toMatchObject({ code: 'MNEME_INVALID_AGGREGATE_ID', commandName: 'OpenAccount', value: id });
    expect(touched).toBe(false);
  });

  it('rejects a command with neither @AggregateId nor an id option', async () => {
    class Anonymous {
      constructor(readonly value: string) {}
    }
    @Aggregate({ category: 'Anon' })
    class Anon extends AggregateRoot {
      @Handles(Anonymous) handle() {}
    }
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Anon] }));
    await expect(container.get(CommandBus).execute(new Anonymous('x'))).rejects.toThrow(InvalidAggregateIdError);
  });

  it('takes the id from the handler option over @AggregateId', async () => {
    @EventType('Renamed.Happened')
    class Renamed {
      constructor(readonly to: string) {}
    }
    class Rename {
      @AggregateId() ignored = 'wrong';
      constructor(
        readonly tenant: string,
        readonly name: string,
      ) {}
    }
    @Aggregate({ category: 'Profile' })
    class Profile extends AggregateRoot {
      @Handles(Rename, { id: (cmd) => `${cmd.tenant}.${cmd.name}` })
      rename(cmd: Rename) {
        return new Renamed(cmd.name);
      }
    }
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Profile] }));
    const result = await container.get(CommandBus).execute(new Rename('t1', 'ada'));
    expect(result.streamName).toBe('Profile-t1.ada');
    expect(result.aggregateId).toBe('t1.ada');
  });

  it("expects: 'existing' rejects a command for a missing aggregate", async () => {
    const { bus, store } = await setUp();
    const error = await bus.execute(new Deposit('nobody', 5)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateNotFoundError);
    expect(error).toMatchObject({
      aggregateType: 'BankAccount',
      aggregateId: 'nobody',
      streamName: 'BankAccount-nobody',
    });
    expect(await collect(store.readStream('BankAccount-nobody'))).toEqual([]);
  });

  it("expects: 'new' rejects a command for an existing aggregate", async () => {
    @EventType('Ticket.Issued')
    class Issued {
      constructor(readonly id: string) {}
    }
    class Issue {
      @AggregateId() id: string;
      constructor(id: string) {
        this.id = id;
      }
    }
    @Aggregate({ category: 'Ticket' })
    class Ticket extends AggregateRoot {
      @Handles(Issue, { expects: 'new' }) issue(cmd: Issue) {
        return new Issued(cmd.id);
      }
    }
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Ticket] }));
    const bus = container.get(CommandBus);
    await bus.execute(new Issue('t-1'));
    const error = await bus.execute(new Issue('t-1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateAlreadyExistsError);
    expect(error).toMatchObject({ aggregateId: 't-1', streamName: 'Ticket-t-1', revision: 0n });
  });

  describe('handler results', () => {
    @EventType('Cart.ItemAdded')
    class ItemAdded {
      constructor(readonly sku: string) {}
    }
    class NotAnEvent {
      constructor(readonly sku: string) {}
    }
    class AddItems {
      @AggregateId() cartId = 'cart-1';
      constructor(readonly mode: string) {}
    }
    @Aggregate({ category: 'Cart' })
    class Cart extends AggregateRoot {
      items: string[] = [];
      @Handles(AddItems)
      async add(cmd: AddItems): Promise<unknown> {
        await Promise.resolve();
        switch (cmd.mode) {
          case 'raise-then-return':
            this.raise(new ItemAdded('raised'));
            return [new ItemAdded('returned-1'), new ItemAdded('returned-2')];
          case 'bad-second':
            return [new ItemAdded('fine'), new NotAnEvent('bad')];
          case 'bigint':
            return [new ItemAdded('fine'), Object.assign(new ItemAdded('big'), { qty: 1n })];
          case 'cycle': {
            const event = new ItemAdded('cyclic') as ItemAdded & { self?: unknown };
            event.self = event;
            return event;
          }
          case 'undefined-in-array':
            return [new ItemAdded('fine'), undefined];
          case 'raise-bad':
            this.raise(new NotAnEvent('x'));
            return undefined;
          default:
            return undefined;
        }
      }
      @Apply(ItemAdded) onAdded(e: ItemAdded) {
        this.items.push(e.sku);
      }
    }

    async function cart() {
      const container = new Container();
      container.load(mnemeModule({ aggregates: [Cart] }));
      return { bus: container.get(CommandBus), store: container.get(EventStore) };
    }

    it('appends raised events first, then returned ones, from an async handler', async () => {
      const { bus, store } = await cart();
      const result = await bus.execute(new AddItems('raise-then-return'));
      expect(result.events.map((e) => (e as ItemAdded).sku)).toEqual(['raised', 'returned-1', 'returned-2']);
      expect((await collect(store.readStream('Cart-cart-1'))).map((e) => (e.data as ItemAdded).sku)).toEqual([
        'raised',
        'returned-1',
        'returned-2',
      ]);
    });

    it('decides nothing without writing anything', async () => {
      const { bus, store } = await cart();
      const result = await bus.execute(new AddItems('nothing'));
      expect(result).toMatchObject({ events: [], nextExpectedRevision: -1n, attempts: 1 });
      expect(await collect(store.readStream('Cart-cart-1'))).toEqual([]);
    });

    it.each([
      ['an object whose class has no @EventType', 'bad-second', /NotAnEvent has no @EventType/],
      ['a BigInt field', 'bigint', /BigInt/],
      ['a cycle', 'cycle', /cycle/],
      ['undefined', 'undefined-in-array', /undefined/],
      ['a raised non-event', 'raise-bad', /NotAnEvent has no @EventType/],
    ])('rejects %s with InvalidEventError and writes none of the events', async (_label, mode, message) => {
      const { bus, store } = await cart();
      const error = await bus.execute(new AddItems(mode)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as Error).message).toMatch(message);
      expect(await collect(store.readStream('Cart-cart-1'))).toEqual([]);
    });
  });

  it('adds execute metadata to every appended event', async () => {
    const { bus, store } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'), { metadata: { correlationId: 'req-7' } });
    const [stored] = await collect(store.readStream('BankAccount-acc-1'));
    expect(stored!.metadata).toMatchObject({ correlationId: 'req-7', schemaVersion: 1 });
  });
});
