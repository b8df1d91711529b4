import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateRoot,
  Apply,
  CommandBus,
  CommandTimeoutError,
  ConcurrencyError,
  Decides,
  DuplicateHandlerError,
  EventStore,
  EventType,
  Handles,
  InMemoryEventStore,
  InvalidConfigurationError,
  InvalidDecisionAggregatesError,
  InvalidDecisionError,
  InvalidDeciderError,
  InvalidDecoratorError,
  MultiStreamAppendUnsupportedError,
  MultiStreamConcurrencyError,
  COMMAND_ID_KEY,
  decisionEventIdFor,
  mnemeModule,
  type AppendToStreamsOptions,
  type AppendToStreamsResult,
  type MnemeModuleOptions,
  type StreamAppendRequest,
} from 'mneme';
import { ForwardingEventStore } from '../../src/testing/forwarding-event-store.js';
import {
  AccountOpened,
  BankAccount,
  Deposit,
  OpenAccount,
  MoneyReceived,
  MoneySent,
  TransferCredited,
  TransferDebited,
  Withdraw,
} from '../../examples/bank-account/domain.js';
import { AtomicTransfers, TransferMoney } from '../../examples/bank-account/atomic-transfers.js';
import { collect } from '../support/collect.js';

function setUp(options: MnemeModuleOptions = {}) {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], deciders: [AtomicTransfers], ...options }));
  return { bus: container.get(CommandBus), store: container.get(EventStore), container };
}

async function openWith(bus: CommandBus, id: string, balance: number) {
  await bus.execute(new OpenAccount(id, id));
  if (balance > 0) await bus.execute(new Deposit(id, balance));
}

/** Runs `before` once, just before the first multi-stream append reaches the store. */
class BeforeFirstMultiAppend extends ForwardingEventStore {
  calls = 0;
  constructor(
    inner: EventStore,
    private readonly before: () => Promise<void>,
  ) {
    super(inner);
    this.appendToStreams = async (
      requests: StreamAppendRequest[],
      options?: AppendToStreamsOptions,
    ): Promise<AppendToStreamsResult> => {
      if (this.calls++ === 0) await this.before();
      return inner.appendToStreams!(requests, options);
    };
  }
}

describe('@Decides: commands decided across aggregates', () => {
  it('appends the events of every changed aggregate in one commit and reports each stream', async () => {
    const { bus, store } = setUp();
    await openWith(bus, 'a', 100);
    await openWith(bus, 'b', 0);
    const result = await bus.execute(new TransferMoney('t1', 'a', 'b', 30), {
      commandId: 'cmd-1',
      correlationId: 'corr-1',
    });

    expect(result.attempts).toBe(1);
    expect(result.aggregateId).toBe('a');
    expect(result.streamName).toBe('BankAccount-a');
    expect(result.nextExpectedRevision).toBe(2n);
    expect(result.events).toEqual([new MoneySent('a', 't1', 'b', 30), new MoneyReceived('b', 't1', 'a', 30)]);
    expect(result.streams).toEqual({
      from: {
        aggregateId: 'a',
        streamName: 'BankAccount-a',
        written: true,
        events: [new MoneySent('a', 't1', 'b', 30)],
        nextExpectedRevision: 2n,
      },
      to: {
        aggregateId: 'b',
        streamName: 'BankAccount-b',
        written: true,
        events: [new MoneyReceived('b', 't1', 'a', 30)],
        nextExpectedRevision: 1n,
      },
    });
    const [debit] = await collect(store.readStream('BankAccount-a', { fromRevision: 2n }));
    const [credit] = await collect(store.readStream('BankAccount-b', { fromRevision: 1n }));
    expect(debit!.id).toBe(decisionEventIdFor('cmd-1', 'BankAccount-a', 0));
    expect(credit!.id).toBe(decisionEventIdFor('cmd-1', 'BankAccount-b', 0));
    expect(debit!.id).not.toBe(credit!.id);
    for (const recorded of [debit!, credit!]) {
      expect(recorded.metadata).toEqual({
        [COMMAND_ID_KEY]: 'cmd-1',
        $correlationId: 'corr-1',
        $causationId: 'cmd-1',
        schemaVersion: '1',
      });
    }
  });

  it('hands the decider copies: what it does to them outside appliers is never seen again', async () => {
    const { bus, container } = setUp();
    await openWith(bus, 'a', 100);
    await openWith(bus, 'b', 0);
    const decider = container.get(AtomicTransfers);
    const original = decider.transfer.bind(decider);
    decider.transfer = (cmd, accounts) => {
      const decided = original(cmd, accounts);
      accounts.from.balance = 1_000_000; // a mutation outside an applier
      return decided;
    };
    await bus.execute(new TransferMoney('t1', 'a', 'b', 30));
    await expect(bus.execute(new Withdraw('a', 71))).rejects.toThrow('Insufficient funds');
    expect((await bus.execute(new Withdraw('a', 70))).nextExpectedRevision).toBe(3n);
  });

  it('lets domain rejections through and writes nothing', async () => {
    const { bus, store } = setUp();
    await openWith(bus, 'a', 10);
    await openWith(bus, 'b', 0);
    await expect(bus.execute(new TransferMoney('t1', 'a', 'b', 11))).rejects.toThrow('Insufficient funds');
    expect(await collect(store.readAll())).toHaveLength(3);
  });

  it('retries when an aggregate it only read moved before the append, deciding again on the new state', async () => {
    @EventType('Limit.Set')
    class LimitSet {
      constructor(readonly max: number) {}
    }
    @Aggregate({ category: 'Limit' })
    class Limit extends AggregateRoot {
      max = Infinity;
      @Apply(LimitSet) onSet(e: LimitSet) {
        this.max = e.max;
      }
    }
    class LimitedWithdraw {
      constructor(
        readonly accountId: string,
        readonly amount: number,
      ) {}
    }
    const seen: number[] = [];
    class Limited {
      @Decides(LimitedWithdraw, {
        aggregates: (cmd) => ({ account: [BankAccount, cmd.accountId], limit: [Limit, 'global'] }),
      })
      withdraw(cmd: LimitedWithdraw, { account, limit }: { account: BankAccount; limit: Limit }) {
        seen.push(limit.max);
        if (cmd.amount > limit.max) throw new Error(`over the limit of ${limit.max}`);
        return { account: new TransferDebited(account.id, 'limited', cmd.amount) };
      }
    }
    const inner = new InMemoryEventStore();
    await inner.appendToStream('Limit-global', [{ type: 'Limit.Set', data: { max: 100 } }]);
    // Another process lowers the limit between this command's read and its append.
    const store = new BeforeFirstMultiAppend(inner, async () => {
      await inner.appendToStream('Limit-global', [{ type: 'Limit.Set', data: { max: 10 } }], { expectedRevision: 0n });
    });
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], deciders: [Limited], eventStore: store }));
    const bus = container.get(CommandBus);
    await openWith(bus, 'a', 100);
    await expect(bus.execute(new LimitedWithdraw('a', 50))).rejects.toThrow('over the limit of 10');
    expect(seen).toEqual([100, 10]);
    expect(await collect(inner.readStream('BankAccount-a'))).toHaveLength(2);

    // Without retries the conflict names the checked stream.
    const noRetry = new Container();
    const store2 = new BeforeFirstMultiAppend(new InMemoryEventStore(), async () => {
      await store2.inner.appendToStream('Limit-global', [{ type: 'Limit.Set', data: { max: 10 } }]);
    });
    noRetry.load(mnemeModule({ aggregates: [BankAccount], deciders: [Limited], eventStore: store2, retry: false }));
    const bus2 = noRetry.get(CommandBus);
    await openWith(bus2, 'a', 100);
    const error = await bus2.execute(new LimitedWithdraw('a', 5)).catch((e: unknown) => e);
    expect(MultiStreamConcurrencyError.is(error)).toBe(true);
    expect(ConcurrencyError.is(error)).toBe(true);
    expect((error as MultiStreamConcurrencyError).conflicts).toEqual([
      { streamName: 'Limit-global', role: 'check', expected: 'no_stream', actual: 0n },
    ]);
  });

  it('answers a re-sent command from what it stored on every stream, writing nothing', async () => {
    for (const aggregateCache of [undefined, false] as const) {
      const { bus, store } = setUp(aggregateCache === false ? { aggregateCache } : {});
      await openWith(bus, 'a', 100);
      await openWith(bus, 'b', 0);
      const first = await bus.execute(new TransferMoney('t1', 'a', 'b', 30), { commandId: 'once' });
      await bus.execute(new Deposit('b', 5)); // the stream moves on; the command is still recognised
      const again = await bus.execute(new TransferMoney('t1', 'a', 'b', 30), { commandId: 'once' });
      expect(again.events).toEqual(first.events);
      expect(again.streams!.from!.events).toEqual([new MoneySent('a', 't1', 'b', 30)]);
      expect(again.streams!.to!.events).toEqual([new MoneyReceived('b', 't1', 'a', 30)]);
      expect(again.streams!.to!.nextExpectedRevision).toBe(1n);
      expect(await collect(store.readAll())).toHaveLength(6);
      // Recognised from either stream: also from a container that never saw it.
      const other = new Container();
      other.load(mnemeModule({ aggregates: [BankAccount], deciders: [AtomicTransfers], eventStore: store }));
      const fromElsewhere = await other
        .get(CommandBus)
        .execute(new TransferMoney('t1', 'a', 'b', 30), { commandId: 'once' });
      expect(fromElsewhere.events).toEqual(first.events);
      expect(await collect(store.readAll())).toHaveLength(6);
    }
  });

  it('answers the loser of a race between two sends of one command id with the stored events', async () => {
    const store = new InMemoryEventStore();
    const containers = Array.from({ length: 4 }, () => {
      const container = new Container();
      container.load(mnemeModule({ aggregates: [BankAccount], deciders: [AtomicTransfers], eventStore: store }));
      return container.get(CommandBus);
    });
    await openWith(containers[0]!, 'a', 100);
    await openWith(containers[0]!, 'b', 0);
    const results = await Promise.all(
      containers.map((bus) => bus.execute(new TransferMoney('t1', 'a', 'b', 30), { commandId: 'raced' })),
    );
    for (const result of results)
      expect(result.events).toEqual([new MoneySent('a', 't1', 'b', 30), new MoneyReceived('b', 't1', 'a', 30)]);
    expect((await collect(store.readStream('BankAccount-a'))).map((e) => e.type)).toEqual([
      'BankAccount.Opened',
      'BankAccount.Deposited',
      'BankAccount.MoneySent',
    ]);
    expect((await collect(store.readStream('BankAccount-b'))).map((e) => e.type)).toEqual([
      'BankAccount.Opened',
      'BankAccount.MoneyReceived',
    ]);
  });

  it('updates the cache from the stored events of every written stream', async () => {
    const { bus, store } = setUp();
    await openWith(bus, 'a', 100);
    await openWith(bus, 'b', 0);
    await bus.execute(new TransferMoney('t1', 'a', 'b', 30));
    // Rewrite history behind the cache's back would show up; instead count reads: a warm entry reads only what follows it.
    const reads: string[] = [];
    const original = store.readStream.bind(store);
    store.readStream = (streamName, options) => {
      reads.push(`${streamName}@${String(options?.fromRevision)}`);
      return original(streamName, options);
    };
    await bus.execute(new Withdraw('a', 70));
    await bus.execute(new Deposit('b', 1));
    expect(reads).toEqual(['BankAccount-a@3', 'BankAccount-b@2']);
  });

  it("queues a container's commands on every stream they touch, in one order, so crossing transfers neither race nor deadlock", async () => {
    const { bus } = setUp({ retry: false });
    await openWith(bus, 'a', 1000);
    await openWith(bus, 'b', 1000);
    await openWith(bus, 'c', 1000);
    const pairs = [
      ['a', 'b'],
      ['b', 'a'],
      ['b', 'c'],
      ['c', 'a'],
      ['a', 'c'],
      ['c', 'b'],
    ] as const;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        bus.execute(new TransferMoney(`t${i}`, pairs[i % 6]![0], pairs[i % 6]![1], 1 + (i % 7))),
      ),
    );
    expect(results.every((result) => result.attempts === 1)).toBe(true);
  });

  it('fails with CommandTimeoutError when the decider outlasts the timeout, and writes nothing', async () => {
    class Slow {
      @Decides(TransferMoney, {
        aggregates: (cmd) => ({ from: [BankAccount, cmd.fromId], to: [BankAccount, cmd.toId] }),
      })
      async transfer(cmd: TransferMoney) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        return {
          from: new TransferDebited(cmd.fromId, cmd.transferId, cmd.amount),
          to: new TransferCredited(cmd.toId, cmd.transferId, cmd.amount),
        };
      }
    }
    const { bus, store } = setUp({ deciders: [Slow] });
    await openWith(bus, 'a', 100);
    await openWith(bus, 'b', 0);
    const error = await bus.execute(new TransferMoney('t1', 'a', 'b', 30), { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(CommandTimeoutError.is(error)).toBe(true);
    expect(error).toMatchObject({ commandType: 'TransferMoney', streamName: 'BankAccount-a', aggregateId: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await collect(store.readAll())).toHaveLength(3);
  });

  it('refuses bad aggregate declarations before reading anything', async () => {
    const { bus, store } = setUp();
    await openWith(bus, 'a', 100);
    const attempt = bus.execute(new TransferMoney('t1', 'a', 'a', 30));
    await expect(attempt).rejects.toBeInstanceOf(InvalidDecisionAggregatesError);
    await expect(attempt).rejects.toThrow("'from' and 'to' name the same stream 'BankAccount-a'");
    class Bad {
      constructor(readonly what: unknown) {}
    }
    class BadDecider {
      @Decides(Bad, { aggregates: (cmd) => cmd.what as never })
      decide() {}
    }
    const bad = setUp({ deciders: [BadDecider] }).bus;
    for (const what of [null, [], {}, { x: [Object, 'id'] }, { x: [BankAccount, ''] }, { x: [BankAccount] }]) {
      await expect(bad.execute(new Bad(what))).rejects.toBeInstanceOf(InvalidDecisionAggregatesError);
    }
    expect(await collect(store.readAll())).toHaveLength(2);
  });

  it('refuses what a decider returns for undeclared keys, or that is no event, and writes nothing', async () => {
    class Odd {
      constructor(readonly returns: unknown) {}
    }
    class OddDecider {
      @Decides(Odd, { aggregates: () => ({ a: [BankAccount, 'a'] }) })
      decide(cmd: Odd) {
        return cmd.returns as never;
      }
    }
    const { bus, store } = setUp({ deciders: [OddDecider] });
    await openWith(bus, 'a', 100);
    await expect(bus.execute(new Odd({ b: new AccountOpened('b', 'x') }))).rejects.toBeInstanceOf(InvalidDecisionError);
    await expect(bus.execute(new Odd([new AccountOpened('a', 'x')]))).rejects.toBeInstanceOf(InvalidDecisionError);
    await expect(bus.execute(new Odd({ a: [new AccountOpened('a', 'x'), { not: 'an event' }] }))).rejects.toThrow(
      '@EventType',
    );
    expect(await collect(store.readAll())).toHaveLength(2);
    expect((await bus.execute(new Odd(undefined))).streams!.a).toMatchObject({
      written: false,
      nextExpectedRevision: 1n,
    });
  });

  it('checks declarations when classes are declared and when the module is loaded', () => {
    expect(() => Decides(undefined as never, { aggregates: () => ({}) })).toThrow(InvalidDecoratorError);
    expect(() => Decides(TransferMoney, {} as never)).toThrow(InvalidDecoratorError);
    expect(() => {
      class Static {
        @Decides(TransferMoney, { aggregates: () => ({}) })
        static decide() {}
      }
      return Static;
    }).toThrow(InvalidDecoratorError);
    class Typo {
      @Decides(TransferMoney, { aggregates: () => ({}), aggregate: 1 } as never)
      decide() {}
    }
    expect(() => setUp({ deciders: [Typo] })).toThrow(InvalidConfigurationError);
    expect(() => setUp({ deciders: [class NotADecider {}] })).toThrow(InvalidDeciderError);
    class AlsoHandled extends AggregateRoot {
      @Handles(TransferMoney) handle() {}
    }
    Aggregate({ category: 'AlsoHandled' })(AlsoHandled);
    expect(() => setUp({ aggregates: [BankAccount, AlsoHandled] })).toThrow(DuplicateHandlerError);
  });

  it('fails when the bus is made if the store cannot append to several streams', () => {
    class OneStreamAtATime extends ForwardingEventStore {
      constructor() {
        super(new InMemoryEventStore());
        this.appendToStreams = undefined;
      }
    }
    const container = new Container();
    container.load(
      mnemeModule({ aggregates: [BankAccount], deciders: [AtomicTransfers], eventStore: new OneStreamAtATime() }),
    );
    expect(() => container.get(CommandBus)).toThrow(MultiStreamAppendUnsupportedError);
  });
});
