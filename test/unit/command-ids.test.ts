import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { v5 as uuidv5, validate as isUuid } from 'uuid';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  CommandInterceptor,
  EventStore,
  EventType,
  Handles,
  InMemoryEventStore,
  InvalidConfigurationError,
  MNEME_EVENT_ID_NAMESPACE,
  eventIdFor,
  execute,
  mnemeModule,
  type AppendOptions,
  type CommandContext,
  type CommandResult,
  type EventData,
  type MnemeModuleOptions,
} from 'mneme';
import {
  AccountOpened,
  BankAccount,
  Deposit,
  Deposited,
  OpenAccount,
  Withdraw,
} from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';
import { ledger, Credited } from '../support/ledger.js';

async function setUp(options: MnemeModuleOptions = {}) {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], ...options }));
  return { bus: container.get(CommandBus), store: container.get(EventStore) };
}

/** Loses the race on its first append (a rival deposit lands first), so the command runs twice. */
class LoseFirstAppend extends InMemoryEventStore {
  readonly appended: EventData[][] = [];
  #lost = false;
  override async appendToStream(stream: string, events: EventData[], options?: AppendOptions) {
    this.appended.push(events);
    if (!this.#lost && stream === 'BankAccount-acc-1' && options?.expectedRevision === 0n) {
      this.#lost = true;
      await super.appendToStream(stream, [{ type: 'BankAccount.Deposited', data: { accountId: 'acc-1', amount: 1 } }]);
    }
    return super.appendToStream(stream, events, options);
  }
}

describe('command ids and metadata', () => {
  it('stamps every event with the command id, $correlationId and $causationId, over the user metadata', async () => {
    const { bus, store } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'), {
      commandId: 'cmd-1',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      metadata: { tenant: 't1', commandId: 'forged', $correlationId: 'forged' },
    });
    const [stored] = await collect(store.readStream('BankAccount-acc-1'));
    expect(stored!.metadata).toEqual({
      tenant: 't1',
      commandId: 'cmd-1',
      $correlationId: 'corr-1',
      $causationId: 'cause-1',
      schemaVersion: 1,
    });
  });

  it('defaults correlation and causation to the command id, and the command id to a new UUID per call', async () => {
    const { bus, store } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    await bus.execute(new Deposit('acc-1', 5));
    const [opened, deposited] = await collect(store.readStream('BankAccount-acc-1'));
    for (const event of [opened!, deposited!]) {
      expect(isUuid(event.metadata.commandId as string)).toBe(true);
      expect(event.metadata.$correlationId).toBe(event.metadata.commandId);
      expect(event.metadata.$causationId).toBe(event.metadata.commandId);
    }
    expect(opened!.metadata.commandId).not.toBe(deposited!.metadata.commandId);
  });

  it('gives event i of a command the id uuidv5(`${commandId}:${i}`) in the Mneme namespace', async () => {
    @EventType('Ids.Noted')
    class Noted {
      constructor(readonly n: number) {}
    }
    class NoteThree {
      @AggregateId() id = 'n-1';
    }
    @Aggregate({ category: 'Notes' })
    class Notes extends AggregateRoot {
      @Handles(NoteThree) note() {
        return [new Noted(0), new Noted(1), new Noted(2)];
      }
      @Apply(Noted) onNoted() {}
    }
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Notes] }));
    await container.get(CommandBus).execute(new NoteThree(), { commandId: 'order-42' });
    const stored = await collect(container.get(EventStore).readStream('Notes-n-1'));
    expect(stored.map((e) => e.id)).toEqual([0, 1, 2].map((i) => uuidv5(`order-42:${i}`, MNEME_EVENT_ID_NAMESPACE)));
    expect(stored.map((e) => e.id)).toEqual([0, 1, 2].map((i) => eventIdFor('order-42', i)));
  });

  it('keeps the namespace fixed, so ids stay stable across versions', () => {
    expect(MNEME_EVENT_ID_NAMESPACE).toBe('4e39f84a-7a21-498e-8e53-216ed35fe7f2');
  });

  it('keeps one command id through retries, and the re-decided events carry the same ids', async () => {
    const store = new LoseFirstAppend();
    const seen: string[] = [];
    const { bus } = await setUp({
      eventStore: store,
      interceptors: [
        new (class extends CommandInterceptor {
          intercept(context: CommandContext, next: () => Promise<CommandResult>) {
            seen.push(context.commandId);
            return next();
          }
        })(),
      ],
    });
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    const result = await bus.execute(new Deposit('acc-1', 10));
    expect(result.attempts).toBe(2);
    const [first, second] = store.appended.slice(-2);
    expect(first!.map((e) => e.id)).toEqual(second!.map((e) => e.id));
    expect(second![0]!.id).toBe(eventIdFor(seen[1]!, 0));
    expect(second![0]!.metadata?.commandId).toBe(seen[1]);
  });

  it('passes the command context to the handler as its second argument', async () => {
    const contexts: CommandContext[] = [];
    class Ping {
      @AggregateId() id = 'p-1';
    }
    @EventType('Ids.Pinged')
    class Pinged {}
    @Aggregate({ category: 'Pinger' })
    class Pinger extends AggregateRoot {
      @Handles(Ping) ping(_cmd: Ping, context: CommandContext<Ping>) {
        contexts.push(context);
        return new Pinged();
      }
    }
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Pinger] }));
    await container.get(CommandBus).execute(new Ping(), { commandId: 'c-9', metadata: { user: 'ada' } });
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toMatchObject({
      commandId: 'c-9',
      correlationId: 'c-9',
      causationId: 'c-9',
      metadata: { user: 'ada' },
      attempt: 1,
    });
  });

  it.each([
    ['an empty command id', { commandId: '' }, 'options.commandId'],
    ['a numeric command id', { commandId: 42 }, 'options.commandId'],
    ['a correlation id that is an object', { correlationId: {} }, 'options.correlationId'],
    ['metadata that is an array', { metadata: [] }, 'options.metadata'],
    ['metadata that is null', { metadata: null }, 'options.metadata'],
    ['metadata that is a Map', { metadata: new Map() }, 'options.metadata'],
    ['a mistyped key', { commandID: 'x' }, 'options.commandID'],
    ['a string', 'cmd-1', 'options'],
  ])('rejects %s before reading anything', async (_label, options, option) => {
    const store = new InMemoryEventStore();
    let read = false;
    store.readStream = () => {
      read = true;
      throw new Error('read');
    };
    const { bus } = await setUp({ eventStore: store });
    const error = await bus.execute(new OpenAccount('acc-1', 'Ada'), options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidConfigurationError);
    expect(error).toMatchObject({ option });
    expect(read).toBe(false);
  });
});

describe('a re-sent command', () => {
  it('writes nothing and resolves to the events it stored the first time', async () => {
    const { bus, store } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'), { commandId: 'open-1' });
    const first = await bus.execute(new Deposit('acc-1', 30), { commandId: 'dep-1' });
    await bus.execute(new Withdraw('acc-1', 5)); // the stream moves on
    const again = await bus.execute(new Deposit('acc-1', 30), { commandId: 'dep-1' });
    expect(again).toEqual({ ...first, attempts: 1 });
    expect(again.events[0]).toBeInstanceOf(Deposited);
    expect(again.nextExpectedRevision).toBe(1n);
    expect(await collect(store.readStream('BankAccount-acc-1'))).toHaveLength(3);
  });

  it('is answered before the handler decides, so a create is not rejected as a duplicate', async () => {
    const { bus, store } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'), { commandId: 'open-1' });
    const again = await bus.execute(new OpenAccount('acc-1', 'Ada'), { commandId: 'open-1' });
    expect(again).toMatchObject({ events: [new AccountOpened('acc-1', 'Ada')], nextExpectedRevision: 0n });
    await expect(bus.execute(new OpenAccount('acc-1', 'Ada'))).rejects.toThrow('Account already open');
    expect(await collect(store.readStream('BankAccount-acc-1'))).toHaveLength(1);
  });

  it('is decided again when the first send was rejected (a rejection stores nothing)', async () => {
    const { bus } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    await expect(bus.execute(new Withdraw('acc-1', 10), { commandId: 'w-1' })).rejects.toThrow('Insufficient funds');
    await bus.execute(new Deposit('acc-1', 10));
    await expect(bus.execute(new Withdraw('acc-1', 10), { commandId: 'w-1' })).resolves.toMatchObject({
      nextExpectedRevision: 2n,
    });
  });

  it('in execute() writes nothing and resolves to its stored events', async () => {
    const store = new InMemoryEventStore();
    const first = await execute(ledger('L-1', 25), store, { commandId: 'credit-1' });
    await execute(ledger('L-1', 1), store);
    const command = ledger('L-1', 25);
    const again = await execute(command, store, { commandId: 'credit-1' });
    expect(again).toEqual(first);
    expect(again.events[0]).toBeInstanceOf(Credited);
    expect(command.handled).toBe(0);
    expect(command.state.balance).toBe(26);
    const stored = await collect(store.readStream('L-1'));
    expect(stored).toHaveLength(2);
    expect(stored[0]!.metadata).toEqual({
      commandId: 'credit-1',
      $correlationId: 'credit-1',
      $causationId: 'credit-1',
      schemaVersion: 1,
    });
  });

  it('in execute() hands the command id and metadata to handle()', async () => {
    const command = ledger('L-2', 5);
    await execute(command, new InMemoryEventStore(), {
      commandId: 'c-1',
      correlationId: 'r-1',
      metadata: { by: 'ada' },
    });
    expect(command.contexts).toEqual([
      { commandId: 'c-1', correlationId: 'r-1', causationId: 'c-1', metadata: { by: 'ada' }, attempt: 1 },
    ]);
  });
});

describe('AggregateRepository.save with a command id', () => {
  it('re-sends the same event ids, so the store does not write a repeated save twice', async () => {
    const store = new InMemoryEventStore();
    const repository = new AggregateRepository(store);
    // The same decision, from the same revision, saved twice (as a retry after a lost reply would).
    const decisions = await Promise.all([1, 2].map(() => repository.load(BankAccount, 'acc-1')));
    for (const account of decisions) account.raise(new AccountOpened('acc-1', 'Ada'));
    const save = (index: number) =>
      repository.save(decisions[index]!, { commandId: 'open-1', metadata: { by: 'ada' } });
    const [first, second] = [await save(0), await save(1)];
    expect(second.nextExpectedRevision).toBe(first.nextExpectedRevision);
    const stored = await collect(store.readStream('BankAccount-acc-1'));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      id: eventIdFor('open-1', 0),
      metadata: { by: 'ada', commandId: 'open-1', $correlationId: 'open-1' },
    });
  });
});
