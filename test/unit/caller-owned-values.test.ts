import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  Handles,
  CommandBus,
  EventType,
  InMemoryEventStore,
  On,
  Projection,
  ProjectionRunner,
  mnemeModule,
  type EventStore,
  type MnemeModuleOptions,
} from 'mneme';
import { conflictingStore } from 'mneme/testing';
import { BankAccount, Deposit, Deposited, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';

/**
 * What Mneme hands back belongs to the caller: a caller (or a handler) that mutates it must not
 * change what is stored, what the aggregate cache decides on, or what a re-sent command answers.
 */
async function setUp(options: MnemeModuleOptions = {}) {
  const store = new InMemoryEventStore();
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store, ...options }));
  return { store, bus: container.get(CommandBus), repository: container.get(AggregateRepository) };
}

/** Runs a mutation a caller might try; a TypeError (a frozen value) is as good as a change that has no effect. */
function attempt(mutate: () => unknown): void {
  try {
    mutate();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}

async function storedData(store: EventStore, stream: string) {
  return (await collect(store.readStream(stream))).map((event) => event.data);
}

describe('values Mneme hands to the caller', () => {
  it('a caller that mutates result.events changes neither the store nor the answer to a re-sent command', async () => {
    const { store, bus } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    const first = await bus.execute(new Deposit('acc-1', 30), { commandId: 'dep-1' });
    // Either allowed (and ignored) or refused with a TypeError (frozen): both keep the promise.
    attempt(() => ((first.events[0] as { amount: number }).amount = 1_000_000));
    attempt(() => (first.events as object[]).push(new Deposited('acc-1', 5)));

    const again = await bus.execute(new Deposit('acc-1', 30), { commandId: 'dep-1' });
    expect(again.events).toEqual([new Deposited('acc-1', 30)]);
    expect(again.nextExpectedRevision).toBe(1n);
    expect(await storedData(store, 'BankAccount-acc-1')).toEqual([
      { accountId: 'acc-1', owner: 'Ada' },
      { accountId: 'acc-1', amount: 30, currency: 'EUR' },
    ]);
    // The cached aggregate decides on what is stored: 30, not a million.
    await expect(bus.execute(new Withdraw('acc-1', 31))).rejects.toThrow('Insufficient funds');
  });

  it('a caller that mutates the result of a re-sent command changes nothing the next re-send answers', async () => {
    const { bus } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    await bus.execute(new Deposit('acc-1', 30), { commandId: 'dep-1' });
    const again = await bus.execute(new Deposit('acc-1', 30), { commandId: 'dep-1' });
    attempt(() => ((again.events[0] as { amount: number }).amount = -1));
    const third = await bus.execute(new Deposit('acc-1', 30), { commandId: 'dep-1' });
    expect(third.events).toEqual([new Deposited('acc-1', 30)]);
  });

  it('a caller that mutates an aggregate repository.load returned changes nothing a command decides on', async () => {
    const { bus, repository } = await setUp();
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    await bus.execute(new Deposit('acc-1', 10));
    const loaded = await repository.load(BankAccount, 'acc-1');
    loaded.balance = 1_000_000;
    await expect(bus.execute(new Withdraw('acc-1', 11))).rejects.toThrow('Insufficient funds');
    expect((await repository.load(BankAccount, 'acc-1')).balance).toBe(10);
  });

  it('a caller that mutates the metadata it passed, once execute resolved, changes nothing stored', async () => {
    const { store, bus } = await setUp();
    const metadata: Record<string, unknown> = { userId: 'u-1', tags: ['a'] };
    await bus.execute(new OpenAccount('acc-1', 'Ada'), { commandId: 'open-1', metadata });
    metadata.userId = 'mallory';
    (metadata.tags as string[]).push('b');
    const [event] = await collect(store.readStream('BankAccount-acc-1'));
    expect(event!.metadata).toMatchObject({ userId: 'u-1', tags: ['a'], commandId: 'open-1' });
  });

  it('a caller that mutates its options while the command is in flight, through a retry, changes nothing stored', async () => {
    const store = conflictingStore(new InMemoryEventStore(), { times: 1 });
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store }));
    const bus = container.get(CommandBus);
    const metadata: Record<string, unknown> = { userId: 'u-1' };
    const options = { commandId: 'open-1', metadata };
    const pending = bus.execute(new OpenAccount('acc-1', 'Ada'), options);
    metadata.userId = 'mallory';
    options.commandId = 'open-2';
    const result = await pending;
    expect(result.attempts).toBe(2);
    const [event] = await collect(store.readStream('BankAccount-acc-1'));
    expect(event!.metadata).toMatchObject({ userId: 'u-1', commandId: 'open-1', $correlationId: 'open-1' });
  });

  it('domain code that pushes into pendingEvents cannot make a command report an event it did not store', async () => {
    const store = new InMemoryEventStore();
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Sneaky], eventStore: store }));
    const result = await container.get(CommandBus).execute(new Sneak('s-1'));
    const stored = await collect(store.readStream('Sneaky-s-1'));
    expect(stored.map((event) => event.data)).toEqual([{ text: 'decided', tags: [] }]);
    expect(result.events).toEqual([new Noted('decided')]);
  });

  it('a caller that pushes into or empties pendingEvents changes neither what save writes nor what it reports', async () => {
    const store = new InMemoryEventStore();
    const repository = new AggregateRepository(store);
    const sneaky = await repository.load(Sneaky, 's-2');
    sneaky.raise(new Noted('decided'));
    expect(() => (sneaky.pendingEvents as object[]).push(new Noted('forged'))).toThrow(TypeError);
    expect(() => ((sneaky.pendingEvents as object[]).length = 0)).toThrow(TypeError);
    const saved = await repository.save(sneaky);
    expect(saved.events).toEqual([new Noted('decided')]);
    expect((await collect(store.readStream('Sneaky-s-2'))).map((event) => event.data)).toEqual([
      { text: 'decided', tags: [] },
    ]);
  });

  // KNOWN GAP (the docs tell handlers to treat the command as read-only):
  // every attempt hands the handler the same command object, so a handler that changes it decides the
  // retry on the changed command. Handing each attempt a copy would close it (a cost in the bus, which
  // another branch is tuning). When it does, make this `it`.
  it.failing('a handler that changes its command decides every retry on the command as sent', async () => {
    const store = conflictingStore(new InMemoryEventStore(), { times: 2 });
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Sneaky], eventStore: store }));
    const result = await container.get(CommandBus).execute(new Shorten('s-3', 'abcdef'));
    expect(result.attempts).toBe(3);
    expect(result.events).toEqual([new Noted('abcde')]);
  });
});

@EventType('CallerOwned.Noted')
class Noted {
  constructor(
    readonly text = '',
    readonly tags: string[] = [],
  ) {}
}

class Sneak {
  @AggregateId() id: string;
  constructor(id: string) {
    this.id = id;
  }
}

class Shorten {
  @AggregateId() id: string;
  constructor(
    id: string,
    public text: string,
  ) {
    this.id = id;
  }
}

/** Domain code that reaches into what Mneme handed it: it adds to pendingEvents instead of raising. */
@Aggregate({ category: 'Sneaky' })
class Sneaky extends AggregateRoot {
  notes: string[] = [];
  @Handles(Sneak) sneak() {
    this.raise(new Noted('decided'));
    try {
      (this.pendingEvents as object[]).push(new Noted('forged'));
    } catch {
      // refused: the array is read-only, as the README says
    }
  }
  @Handles(Shorten) shorten(cmd: Shorten) {
    cmd.text = cmd.text.slice(0, -1); // changes the command it was given
    return new Noted(cmd.text);
  }
  @Apply(Noted) onNoted(event: Noted) {
    this.notes.push(event.text);
  }
}

/** Mutates the event it is given, then fails the first time: a retry must get the event as stored. */
@Projection({ name: 'caller-owned-mutating', from: { categories: ['Note'] } })
class MutatingProjection {
  attempts = 0;
  readonly seen: { text: string; tags: string[] }[] = [];
  @On(Noted) noted(event: Noted) {
    this.attempts += 1;
    this.seen.push({ text: event.text, tags: [...event.tags] });
    (event as { text: string }).text = 'changed';
    event.tags.push('changed');
    if (this.attempts === 1) throw new Error('the read model is briefly down');
  }
}

/** Handles the same events next to the mutating projection. */
@Projection({ name: 'caller-owned-reader', from: { categories: ['Note'] } })
class ReadingProjection {
  readonly seen: { text: string; tags: string[] }[] = [];
  @On(Noted) noted(event: Noted) {
    this.seen.push({ text: event.text, tags: [...event.tags] });
  }
}

describe('events handed to projection handlers', () => {
  it('a retried handler gets the event as stored, not as the failed attempt left it, and other projections never see the change', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('Note-1', [{ type: 'CallerOwned.Noted', data: { text: 'hello', tags: ['x'] } }]);
    const mutating = new MutatingProjection();
    const reading = new ReadingProjection();
    const runner = new ProjectionRunner(store, [mutating, reading], {
      handlerRetry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    });
    await runner.start();
    await runner.catchUp();
    await runner.stop();
    expect(mutating.seen).toEqual([
      { text: 'hello', tags: ['x'] },
      { text: 'hello', tags: ['x'] },
    ]);
    expect(reading.seen).toEqual([{ text: 'hello', tags: ['x'] }]);
    expect(await storedData(store, 'Note-1')).toEqual([{ text: 'hello', tags: ['x'] }]);
  });
});
