import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRoot,
  Apply,
  CommandBus,
  DomainError,
  EventStore,
  EventType,
  Handles,
  InMemoryEventStore,
  InvalidConfigurationError,
  mnemeModule,
  type AppendOptions,
  type EventData,
  type MnemeModuleOptions,
  type ReadStreamOptions,
  type RecordedEvent,
} from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';
import { CountingEventStore } from '../support/counting-event-store.js';

async function busOn(store: EventStore, options: MnemeModuleOptions = {}) {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount, Tally, Meter], eventStore: store, ...options }));
  return container.get(CommandBus);
}

/** Records the events each read of one stream handed out. */
class RecordingStore extends InMemoryEventStore {
  readonly reads: RecordedEvent[][] = [];
  override async *readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    const read: RecordedEvent[] = [];
    if (streamName === 'BankAccount-acc-1') this.reads.push(read);
    for await (const event of super.readStream(streamName, options)) {
      read.push(event);
      yield event;
    }
  }
}

/** The state the last Count command started from. */
let observed: { total: number; seen: number[] } | undefined;

@EventType('CacheTest.Counted')
class Counted {
  constructor(readonly by = 0) {}
}
class Count {
  @AggregateId() id: string;
  constructor(
    id: string,
    readonly by: number,
    readonly failAfterRaising = false,
  ) {
    this.id = id;
  }
}
@Aggregate({ category: 'Tally' })
class Tally extends AggregateRoot {
  total = 0;
  seen: number[] = [];

  @Handles(Count)
  count(cmd: Count) {
    observed = { total: this.total, seen: [...this.seen] };
    this.raise(new Counted(cmd.by));
    this.seen.push(-1); // a direct change a failed command must not leave behind
    if (cmd.failAfterRaising) throw new DomainError('refused after raising');
  }

  @Apply(Counted) onCounted(e: Counted) {
    this.total += e.by;
    this.seen.push(e.by);
  }
}

class Note {
  @AggregateId() id: string;
  constructor(id: string) {
    this.id = id;
  }
}
@EventType('CacheTest.Noted')
class Noted {}
/** State a copy cannot reproduce faithfully (a function): never cached. */
@Aggregate({ category: 'Notebook' })
class Notebook extends AggregateRoot {
  notes = 0;
  describe = () => `${this.notes} notes`;

  @Handles(Note)
  note() {
    return new Noted();
  }
  @Apply(Noted) onNoted() {
    this.notes++;
  }
}

class Tick {
  @AggregateId() id: string;
  constructor(
    id: string,
    readonly fail = false,
  ) {
    this.id = id;
  }
}
@EventType('CacheTest.Ticked')
class Ticked {}
/** The state the last Tick started from. */
let meterSeen: { reading: number; label: string } | undefined;
/** State of primitives only (copied field by field, not deep-copied). */
@Aggregate({ category: 'Meter' })
class Meter extends AggregateRoot {
  reading = 0;
  label = '';

  @Handles(Tick)
  tick(cmd: Tick) {
    meterSeen = { reading: this.reading, label: this.label };
    this.raise(new Ticked());
    // Direct changes outside an applier: never cached, whether the command fails or succeeds.
    this.reading += 1000;
    this.label = 'touched';
    if (cmd.fail) throw new DomainError('refused');
  }

  @Apply(Ticked) onTicked() {
    this.reading++;
  }
}

describe('aggregate cache', () => {
  it('never keeps a direct change to a primitive field, from a failed command or a successful one', async () => {
    const bus = await busOn(new InMemoryEventStore());
    await bus.execute(new Tick('m-1'));
    await expect(bus.execute(new Tick('m-1', true))).rejects.toThrow(/refused/);
    await bus.execute(new Tick('m-1'));
    await bus.execute(new Tick('m-1'));
    expect(meterSeen).toEqual({ reading: 2, label: '' });
  });

  it('replays, and keeps replaying, an aggregate whose state cannot be copied', async () => {
    const store = new CountingEventStore(new InMemoryEventStore());
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Notebook], eventStore: store }));
    const bus = container.get(CommandBus);
    for (let i = 0; i < 3; i++) await bus.execute(new Note('n-1'));
    store.resetCounts();
    const result = await bus.execute(new Note('n-1'));
    expect(result.nextExpectedRevision).toBe(3n);
    expect(store.readsOf('Notebook-n-1')).toBe(3); // the whole stream, as without a cache
  });

  it('reads only the events written since the cached revision', async () => {
    const store = new CountingEventStore(new InMemoryEventStore());
    const bus = await busOn(store);
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    for (let i = 0; i < 5; i++) await bus.execute(new Deposit('acc-1', 1));
    store.resetCounts();
    await bus.execute(new Deposit('acc-1', 1));
    expect(store.readsOf('BankAccount-acc-1')).toBe(0);
  });

  it('catches up with events another container wrote, and decides on them', async () => {
    const store = new InMemoryEventStore();
    const [first, second] = [await busOn(store), await busOn(store)];
    await first.execute(new OpenAccount('acc-1', 'Ada'));
    await first.execute(new Deposit('acc-1', 10)); // cached by the first container at revision 1
    await second.execute(new Withdraw('acc-1', 10));
    await expect(first.execute(new Withdraw('acc-1', 1))).rejects.toThrow(/Insufficient funds/);
    await first.execute(new Deposit('acc-1', 5));
    const result = await first.execute(new Withdraw('acc-1', 5));
    expect(result.nextExpectedRevision).toBe(4n);
  });

  it('on a conflict, reads exactly the events the other writer added, from where it had read', async () => {
    const store = new RecordingStore();
    const [mine, rival] = [await busOn(store), await busOn(store)];
    await mine.execute(new OpenAccount('acc-1', 'Ada'));
    await mine.execute(new Deposit('acc-1', 10)); // cached at revision 1
    // The rival writes two events while this command is between its read and its append.
    let raced = false;
    const append = store.appendToStream.bind(store);
    store.appendToStream = async (stream: string, events: EventData[], options?: AppendOptions) => {
      if (!raced && options?.expectedRevision === 1n) {
        raced = true;
        await rival.execute(new Deposit('acc-1', 1));
        await rival.execute(new Deposit('acc-1', 2));
      }
      return append(stream, events, options);
    };
    store.reads.length = 0;
    const result = await mine.execute(new Withdraw('acc-1', 3));
    expect(result.attempts).toBe(2);
    const inBetween = (await collect(store.readStream('BankAccount-acc-1'))).filter(
      (e) => e.revision === 2n || e.revision === 3n,
    );
    // The rival's own reads start at its cache; ours: nothing new on attempt 1, the two events on attempt 2.
    const ours = store.reads.filter(
      (read) => read.length > 0 && read.every((e) => e.revision >= 2n && e.revision <= 3n),
    );
    expect(ours.map((read) => read.map((e) => e.id))).toEqual([inBetween.map((e) => e.id)]);
    expect(result.nextExpectedRevision).toBe(4n);
  });

  it('never keeps what a handler that threw did', async () => {
    const bus = await busOn(new InMemoryEventStore());
    await bus.execute(new Count('t-1', 1));
    await expect(bus.execute(new Count('t-1', 100, true))).rejects.toThrow(/refused after raising/);
    await bus.execute(new Count('t-1', 2));
    // What the last command started from: the first event only, as a full replay gives it.
    expect(observed).toEqual({ total: 1, seen: [1] });
  });

  it('keeps the state as stored after a failed save, and what a full replay gives after a successful one', async () => {
    const store = new CountingEventStore(new InMemoryEventStore());
    const bus = await busOn(store, { retry: false });
    await bus.execute(new Count('t-1', 1));
    store.failAppends = () => true;
    await expect(bus.execute(new Count('t-1', 100))).rejects.toThrow(/failed \(test\)/);
    store.failAppends = () => false;
    await bus.execute(new Count('t-1', 2));
    await bus.execute(new Count('t-1', 3));
    // The handler's direct change (seen.push(-1)) never reaches the cache: it is not in the events.
    expect(observed).toEqual({ total: 3, seen: [1, 2] });
  });

  it('answers a re-sent command from the cached aggregate without writing again', async () => {
    const store = new CountingEventStore(new InMemoryEventStore());
    const bus = await busOn(store);
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    const first = await bus.execute(new Deposit('acc-1', 7), { commandId: 'deposit-7' });
    for (let i = 0; i < 3; i++) await bus.execute(new Deposit('acc-1', 1));
    store.resetCounts();
    const again = await bus.execute(new Deposit('acc-1', 7), { commandId: 'deposit-7' });
    expect(store.readsOf('BankAccount-acc-1')).toBe(0); // answered from the cache
    expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
    expect(again.events).toEqual(first.events);
    expect(await collect(store.readStream('BankAccount-acc-1'))).toHaveLength(5);
  });

  it('recognises a re-sent command whose events another container wrote after the cached revision', async () => {
    const store = new InMemoryEventStore();
    const [first, second] = [await busOn(store), await busOn(store)];
    await first.execute(new OpenAccount('acc-1', 'Ada'));
    await first.execute(new Deposit('acc-1', 1)); // cached at revision 1
    const original = await second.execute(new Deposit('acc-1', 9), { commandId: 'resent' });
    const again = await first.execute(new Deposit('acc-1', 9), { commandId: 'resent' });
    expect(again.nextExpectedRevision).toBe(original.nextExpectedRevision);
    expect(await collect(store.readStream('BankAccount-acc-1'))).toHaveLength(3);
  });

  it('still writes snapshots on schedule', async () => {
    const store = new InMemoryEventStore();
    const bus = await busOn(store);
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    for (let i = 0; i < 110; i++) await bus.execute(new Deposit('acc-1', 1));
    const snapshots = await collect(store.readStream('BankAccount_snapshot-acc-1'));
    // Every 50 events, as without a cache: after revisions 49 and 99 (the snapshot stream keeps the latest).
    expect(String((snapshots.at(-1)!.data as { revision: unknown }).revision)).toBe('99');
  });

  it('can be turned off, and rejects a bad bound when the container loads', async () => {
    const store = new CountingEventStore(new InMemoryEventStore());
    const bus = await busOn(store, { aggregateCache: false });
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    await bus.execute(new Deposit('acc-1', 1));
    store.resetCounts();
    await bus.execute(new Deposit('acc-1', 1));
    expect(store.readsOf('BankAccount-acc-1')).toBe(2);
    for (const maxEntries of [0, -1, 1.5, '10']) {
      const container = new Container();
      expect(() => container.load(mnemeModule({ aggregateCache: { maxEntries } as never }))).toThrow(
        InvalidConfigurationError,
      );
    }
  });

  it('keeps at most maxEntries aggregates, and an evicted one is replayed correctly', async () => {
    const store = new CountingEventStore(new InMemoryEventStore());
    const bus = await busOn(store, { aggregateCache: { maxEntries: 1 } });
    await bus.execute(new Count('a', 1));
    await bus.execute(new Count('b', 1)); // evicts a
    store.resetCounts();
    const result = await bus.execute(new Count('a', 1));
    expect(store.readsOf('Tally-a')).toBe(1);
    expect(result.nextExpectedRevision).toBe(1n);
  });
});
