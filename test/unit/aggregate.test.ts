import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  ConcurrencyError,
  DuplicateHandlerError,
  EventType,
  Handles,
  InMemoryEventStore,
  InvalidAggregateError,
  InvalidAggregateIdError,
  InvalidEventError,
  UnknownEventTypeError,
  mnemeModule,
} from 'mneme';
import { AccountOpened, BankAccount, Deposited, Withdrawn } from '../../examples/bank-account/domain.js';

@EventType('Counter.Incremented')
class Incremented {
  constructor(readonly by: number) {}
}
@EventType('Counter.Noted')
class Noted {
  constructor(readonly note: string) {}
}
class Increment {
  @AggregateId() id: string;
  constructor(id: string) {
    this.id = id;
  }
}

@Aggregate({ category: 'Counter' })
class Counter extends AggregateRoot {
  count = 0;
  @Handles(Increment) increment(): Incremented | Incremented[] {
    return new Incremented(1);
  }
  @Apply(Incremented) onIncremented(e: Incremented) {
    this.count += e.by;
  }
}

/** Inherits its base's handler and applier, and adds its own. */
@Aggregate({ category: 'LoudCounter' })
class LoudCounter extends Counter {
  notes: string[] = [];
  @Apply(Noted) onNoted(e: Noted) {
    this.notes.push(e.note);
  }
}

describe(AggregateRoot.name, () => {
  it('starts new at revision -1n with no pending events', () => {
    const counter = new Counter();
    expect(counter.revision).toBe(-1n);
    expect(counter.pendingEvents).toEqual([]);
  });

  it('keeps version as a deprecated alias of revision', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('Counter-c', [
      { type: 'Counter.Incremented', data: { by: 1 } },
      { type: 'Counter.Incremented', data: { by: 1 } },
    ]);
    const counter = await new AggregateRepository(store).load(Counter, 'c');
    expect(counter.revision).toBe(1n);
    expect(counter.version).toBe(counter.revision);
  });

  it('raise() applies the event and records it as pending', () => {
    const counter = new Counter();
    counter.raise(new Incremented(2));
    counter.raise(new Incremented(3));
    expect(counter.count).toBe(5);
    expect(counter.pendingEvents).toEqual([new Incremented(2), new Incremented(3)]);
  });

  it('raise() rejects an invalid event without applying or recording it', () => {
    const counter = new Counter();
    const bad = Object.assign(new Incremented(1), { huge: 1n });
    expect(() => counter.raise(bad)).toThrow(InvalidEventError);
    expect(counter.count).toBe(0);
    expect(counter.pendingEvents).toEqual([]);
  });

  it('exposes pendingEvents read-only', () => {
    const counter = new Counter();
    expect(() => ((counter as unknown as { pendingEvents: unknown[] }).pendingEvents = [])).toThrow(TypeError);
  });

  it('keeps its internals out of JSON', () => {
    const counter = new Counter();
    counter.raise(new Incremented(1));
    expect(JSON.parse(JSON.stringify(counter))).toEqual({ count: 1 });
  });

  it('skips a registered event the aggregate has no applier for', () => {
    const counter = new Counter();
    counter.raise(new Noted('ignored'));
    expect(counter.count).toBe(0);
    expect(counter.pendingEvents).toHaveLength(1);
  });

  it('inherits handlers and appliers from base aggregates', async () => {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [LoudCounter] }));
    const result = await container.get(CommandBus).execute(new Increment('c-1'));
    expect(result.streamName).toBe('LoudCounter-c-1');
    const loud = await container.get(AggregateRepository).load(LoudCounter, 'c-1');
    expect(loud.count).toBe(1);
    loud.raise(new Noted('hi'));
    expect(loud.notes).toEqual(['hi']);
  });

  it('a subclass overriding a handler method replaces it rather than duplicating it', async () => {
    @Aggregate({ category: 'DoubleCounter' })
    class DoubleCounter extends Counter {
      @Handles(Increment) override increment() {
        return [new Incremented(1), new Incremented(1)];
      }
    }
    const container = new Container();
    container.load(mnemeModule({ aggregates: [DoubleCounter] }));
    expect((await container.get(CommandBus).execute(new Increment('d-1'))).events).toHaveLength(2);
  });

  it('two methods handling one command fail when the module is loaded', async () => {
    @Aggregate({ category: 'Twice' })
    class Twice extends AggregateRoot {
      @Handles(Increment) one() {}
      @Handles(Increment) two() {}
    }
    const container = new Container();
    let error: unknown;
    try {
      container.load(mnemeModule({ aggregates: [Twice] }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DuplicateHandlerError);
    expect(error).toMatchObject({ commandName: 'Increment', handlers: ['Twice.one', 'Twice.two'] });
  });

  it('two aggregates handling one command fail when the module is loaded', async () => {
    @Aggregate({ category: 'Other' })
    class Other extends AggregateRoot {
      @Handles(Increment) increment() {}
    }
    const container = new Container();
    await expect(
      Promise.resolve().then(() => container.load(mnemeModule({ aggregates: [Counter, Other] }))),
    ).rejects.toThrow(DuplicateHandlerError);
  });

  it('an aggregate without @Aggregate is refused when the module is loaded', async () => {
    class NoCategory extends AggregateRoot {}
    const container = new Container();
    await expect(
      Promise.resolve().then(() => container.load(mnemeModule({ aggregates: [NoCategory] }))),
    ).rejects.toThrow(InvalidAggregateError);
  });

  it('@Aggregate refuses a category with a dash (KurrentDB splits categories there)', () => {
    expect(() => Aggregate({ category: 'bank-account' })).toThrow(/without '-'/);
  });
});

describe(AggregateRepository.name, () => {
  it('replays the stream into a fresh instance after its field initialisers ran', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('BankAccount-a', [
      { type: 'BankAccount.Opened', data: { accountId: 'a', owner: 'Ada' } },
      { type: 'BankAccount.Deposited', data: { accountId: 'a', amount: 40 } },
      { type: 'BankAccount.Withdrawn', data: { accountId: 'a', amount: 15 } },
    ]);
    const account = await new AggregateRepository(store).load(BankAccount, 'a');
    expect(account).toBeInstanceOf(BankAccount);
    expect(account).toMatchObject({ id: 'a', opened: true, owner: 'Ada', balance: 25, revision: 2n });
    expect(account.pendingEvents).toEqual([]);
  });

  it('saves a new aggregate with no_stream, so a second create of the same id conflicts', async () => {
    const repository = new AggregateRepository(new InMemoryEventStore());
    const first = await repository.load(BankAccount, 'a');
    const second = await repository.load(BankAccount, 'a');
    first.raise(new AccountOpened('a', 'Ada'));
    second.raise(new AccountOpened('a', 'Eve'));
    await repository.save(first);
    await expect(repository.save(second)).rejects.toMatchObject({ expected: 'no_stream', actual: 0n });
  });

  it('saves with the revision it loaded at and moves the version on', async () => {
    const repository = new AggregateRepository(new InMemoryEventStore());
    const account = await repository.load(BankAccount, 'a');
    account.raise(new AccountOpened('a', 'Ada'));
    account.raise(new Deposited('a', 10));
    expect((await repository.save(account)).nextExpectedRevision).toBe(1n);
    expect(account.revision).toBe(1n);
    expect(account.pendingEvents).toEqual([]);
    const stale = await repository.load(BankAccount, 'a');
    account.raise(new Withdrawn('a', 5));
    await repository.save(account);
    stale.raise(new Withdrawn('a', 5));
    const error = await repository.save(stale).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ streamName: 'BankAccount-a', expected: 1n, actual: 2n });
  });

  it('refuses to load a stream holding a type no class registered', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('BankAccount-a', [
      { type: 'BankAccount.Opened', data: { accountId: 'a', owner: 'Ada' } },
      { type: 'BankAccount.Frozen', data: {} },
    ]);
    const error = await new AggregateRepository(store).load(BankAccount, 'a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect(error).toMatchObject({ streamName: 'BankAccount-a', revision: 1n, eventType: 'BankAccount.Frozen' });
  });

  it('refuses an empty id', async () => {
    await expect(new AggregateRepository(new InMemoryEventStore()).load(BankAccount, ' ')).rejects.toThrow(
      InvalidAggregateIdError,
    );
  });

  it('replays a long stream event by event without collecting it first', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream(
      'Counter-long',
      Array.from({ length: 5000 }, () => ({ type: 'Counter.Incremented', data: { by: 1 } })),
    );
    let inFlight = 0;
    let maxInFlight = 0;
    const read = store.readStream.bind(store);
    store.readStream = (name, options) =>
      (async function* () {
        for await (const event of read(name, options)) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          yield event;
          inFlight--;
        }
      })();
    const counter = await new AggregateRepository(store).load(Counter, 'long');
    expect(counter.count).toBe(5000);
    expect(maxInFlight).toBe(1);
  });
});
