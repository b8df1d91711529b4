import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  DomainError,
  EventType,
  Handles,
  SnapshotStore,
  execute,
  mnemeModule,
  snapshotStreamName,
  type AggregateState,
  type Command,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { collect } from '../support/collect.js';
import { useKurrentTarget } from '../support/kurrent-target.js';

@EventType('LifecycleTest.SeatBooked')
class SeatBooked {
  constructor(readonly seat = 0) {}
}

class BookSeat {
  @AggregateId() showId: string;
  constructor(showId: string) {
    this.showId = showId;
  }
}

const SEATS = 3;

// Snapshots after every save: stale state would show in them at once.
@Aggregate({ category: 'LifecycleShow', snapshot: { every: 1, version: 1 } })
class Show extends AggregateRoot {
  booked = 0;
  @Handles(BookSeat) book() {
    if (this.booked >= SEATS) throw new DomainError('Sold out');
    return new SeatBooked(this.booked + 1);
  }
  @Apply(SeatBooked) onBooked() {
    this.booked++;
  }
}

/** Three instances on one server: the cache and snapshots on (the defaults), one with the cache off. */
async function instances(store: KurrentEventStore) {
  const made = [];
  for (const aggregateCache of [undefined, undefined, false] as const) {
    const container = new Container();
    container.load(
      mnemeModule({ aggregates: [Show], eventStore: store, ...(aggregateCache === false ? { aggregateCache } : {}) }),
    );
    made.push({ bus: container.get(CommandBus), repository: container.get(AggregateRepository) });
  }
  return made;
}

describe("cached and snapshotted aggregates follow their stream's lifecycle (KurrentDB)", () => {
  let store: KurrentEventStore;
  afterAll(() => store.close());
  const kurrent = useKurrentTarget();
  beforeAll(() => {
    store = new KurrentEventStore(kurrent.target.connectionString);
  });

  const resets = {
    'a soft delete (the stream reads as empty)': (stream: string) => kurrent.client.deleteStream(stream),
    'a truncate-before past the last event': async (stream: string) => {
      await kurrent.client.setStreamMetadata(stream, { truncateBefore: SEATS });
    },
  };

  it.each(Object.keys(resets))(
    'after %s, a sold-out show takes bookings again on every instance, and no snapshot holds the old state',
    async (reset) => {
      const showId = `show-${randomUUID()}`;
      const stream = `LifecycleShow-${showId}`;
      const apps = await instances(store);
      for (let i = 0; i < SEATS; i++) await apps[i % apps.length]!.bus.execute(new BookSeat(showId));
      // Every instance has the sold-out show cached (or snapshotted) now.
      for (const app of apps) await expect(app.bus.execute(new BookSeat(showId))).rejects.toThrow('Sold out');

      await resets[reset as keyof typeof resets](stream);

      for (const [index, app] of apps.entries()) {
        const result = await app.bus.execute(new BookSeat(showId));
        expect({ index, seat: (result.events[0] as SeatBooked).seat }).toEqual({ index, seat: index + 1 });
        // The snapshot taken after this save holds the state as the stream now reads.
        const snapshot = await new SnapshotStore(store).readLatest(snapshotStreamName('LifecycleShow', showId));
        expect({
          index,
          snapshotAt: snapshot?.revision,
          booked: (snapshot?.state as { booked?: number } | undefined)?.booked,
        }).toEqual({
          index,
          snapshotAt: result.nextExpectedRevision,
          booked: index + 1,
        });
      }
      for (const app of apps) expect((await app.repository.load(Show, showId)).booked).toBe(apps.length);
    },
  );

  // What each instance then sells, in turn: what a full replay of the stream as it reads decides.
  const partial = {
    // One booking left readable, later ones stay: two seats free.
    'a truncate-before that keeps the last event': {
      change: (stream: string) => kurrent.client.setStreamMetadata(stream, { truncateBefore: SEATS - 1 }),
      sold: [2, 3, 'Sold out'],
    },
    // Only ever the last event readable: the show always reads as one booking.
    'a metadata change ($maxCount: 1)': {
      change: (stream: string) => kurrent.client.setStreamMetadata(stream, { maxCount: 1 }),
      sold: [2, 2, 2],
    },
  };

  it.each(Object.keys(partial))(
    'after %s, every instance decides from the one event left, not from the history it cached',
    async (change) => {
      const showId = `show-${randomUUID()}`;
      const stream = `LifecycleShow-${showId}`;
      const apps = await instances(store);
      for (let i = 0; i < SEATS; i++) await apps[i % apps.length]!.bus.execute(new BookSeat(showId));
      for (const app of apps) await expect(app.bus.execute(new BookSeat(showId))).rejects.toThrow('Sold out');

      const { change: apply, sold } = partial[change as keyof typeof partial];
      await apply(stream);

      const outcomes = [];
      for (const app of apps) {
        outcomes.push(
          await app.bus.execute(new BookSeat(showId)).then(
            (result) => (result.events[0] as SeatBooked).seat,
            (error: Error) => error.message,
          ),
        );
      }
      expect(outcomes).toEqual(sold);
    },
  );

  it('a command re-sent after its events were deleted with the stream resolves with no events, and writes none', async () => {
    const showId = `show-${randomUUID()}`;
    const stream = `LifecycleShow-${showId}`;
    const [app] = await instances(store);
    const first = await app!.bus.execute(new BookSeat(showId), { commandId: `booking-${showId}` });
    expect(first.events).toHaveLength(1);
    await kurrent.client.deleteStream(stream);
    // Decided again on the empty stream, its append carries the same event id at no_stream: the
    // server takes it as a re-append of the hidden event and writes nothing.
    const again = await app!.bus.execute(new BookSeat(showId), { commandId: `booking-${showId}` });
    expect(again.events).toEqual([]);
    expect(await collect(store.readStream(stream))).toEqual([]);
    expect((await app!.repository.load(Show, showId)).booked).toBe(0);
    // The next booking decides from the stream as it reads: the first seat is free.
    expect(((await app!.bus.execute(new BookSeat(showId))).events[0] as SeatBooked).seat).toBe(1);
  });
});

class SeatsState implements AggregateState<SeatBooked> {
  booked = 0;
  apply(): this {
    this.booked++;
    return this;
  }
}

/** BookSeat for the functional core, on the same stream as the aggregate's. */
class BookSeatCore implements Command<SeatBooked, SeatsState> {
  state = new SeatsState();
  constructor(readonly showId: string) {}
  eventStreamId() {
    return `LifecycleShow-${this.showId}`;
  }
  getState() {
    return this.state;
  }
  setState(state: SeatsState) {
    this.state = state;
  }
  handle() {
    if (this.state.booked >= SEATS) throw new DomainError('Sold out');
    return [new SeatBooked(this.state.booked + 1)];
  }
}

describe("execute() follows its stream's lifecycle (KurrentDB)", () => {
  let store: KurrentEventStore;
  afterAll(() => store.close());
  const kurrent = useKurrentTarget();
  beforeAll(() => {
    store = new KurrentEventStore(kurrent.target.connectionString);
  });

  const resets = {
    'a soft delete (the stream reads as empty)': (stream: string) => kurrent.client.deleteStream(stream),
    'a truncate-before past the last event (revisions hidden behind an empty read)': async (stream: string) => {
      await kurrent.client.setStreamMetadata(stream, { truncateBefore: SEATS });
    },
  };

  it.each(Object.keys(resets))(
    'after %s, decides from the stream as it reads and appends after what it hides',
    async (reset) => {
      const showId = `show-${randomUUID()}`;
      const stream = `LifecycleShow-${showId}`;
      for (let i = 0; i < SEATS; i++) await execute(new BookSeatCore(showId), store);
      await expect(execute(new BookSeatCore(showId), store)).rejects.toThrow('Sold out');

      await resets[reset as keyof typeof resets](stream);

      const command = new BookSeatCore(showId);
      const result = await execute(command, store, { timeoutMs: 5_000 });
      expect((result.events[0] as SeatBooked).seat).toBe(1);
      expect(result.nextExpectedRevision).toBe(BigInt(SEATS));
      expect(command.state.booked).toBe(1);
      expect((await collect(store.readStream(stream))).map((recorded) => recorded.revision)).toEqual([BigInt(SEATS)]);
    },
  );

  it('a command re-sent after its events were deleted with the stream resolves with no events, and writes none', async () => {
    const showId = `show-${randomUUID()}`;
    const stream = `LifecycleShow-${showId}`;
    const first = await execute(new BookSeatCore(showId), store, { commandId: `booking-${showId}` });
    expect(first.events).toHaveLength(1);
    await kurrent.client.deleteStream(stream);
    const again = await execute(new BookSeatCore(showId), store, { commandId: `booking-${showId}` });
    expect(again.events).toEqual([]);
    expect(await collect(store.readStream(stream))).toEqual([]);
    expect(((await execute(new BookSeatCore(showId), store)).events[0] as SeatBooked).seat).toBe(1);
  });
});
