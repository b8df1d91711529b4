import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { instanceToPlain } from 'class-transformer';
import {
  Aggregate,
  AggregateRepository,
  AggregateRoot,
  Apply,
  EventType,
  InMemoryEventStore,
  snapshotStreamName,
} from 'mneme';
import { serializeEvent } from '../../src/events/event-serializer.js';
import { collect } from '../support/collect.js';
import { CountingEventStore } from '../support/counting-event-store.js';

const EVENTS = 100_000;

@EventType('LongStream.Counted')
class Counted {
  constructor(readonly by: number) {}
}

@Aggregate({ category: 'LongStream', snapshot: { every: 1_000, version: 1 } })
class Counter extends AggregateRoot {
  total = 0;
  count = 0;
  /** Order-sensitive, so a replay that skipped or repeated events would show. */
  checksum = 0;
  @Apply(Counted) onCounted(e: Counted) {
    this.total += e.by;
    this.count += 1;
    this.checksum = (this.checksum * 31 + e.by) % 1_000_003;
  }
}

describe('a 100,000-event aggregate with a snapshot policy', () => {
  it('loads from its snapshot reading only the tail, to the same state as a full replay', async () => {
    const inner = new InMemoryEventStore();
    const store = new CountingEventStore(inner);
    const stream = 'LongStream-big';
    // Written straight to the store (as years of commands would have), in batches.
    for (let from = 0; from < EVENTS; from += 10_000) {
      await inner.appendToStream(
        stream,
        Array.from({ length: 10_000 }, (_, i) => serializeEvent(new Counted(((from + i) % 7) + 1))),
      );
    }
    const repository = new AggregateRepository(store);

    // The first load replays everything; its save crosses the threshold and takes the snapshot.
    const first = await repository.load(Counter, 'big');
    expect(store.readsOf(stream)).toBe(EVENTS);
    first.raise(new Counted(3));
    await repository.save(first);
    const [snapshot] = await collect(inner.readStream(snapshotStreamName('LongStream', 'big')));
    expect((snapshot!.data as { revision: string }).revision).toBe(String(EVENTS));

    // A few more events after the snapshot, from another writer.
    await inner.appendToStream(stream, [serializeEvent(new Counted(5)), serializeEvent(new Counted(6))]);

    store.resetCounts();
    const fromSnapshot = await repository.load(Counter, 'big');
    // The covered event (to check the snapshot still belongs to the stream) and the two after it.
    expect(store.readsOf(stream)).toBe(3);

    const replayed = await new AggregateRepository(store, { snapshots: false }).load(Counter, 'big');
    expect(store.readsOf(stream)).toBe(3 + EVENTS + 3);
    expect(replayed.count).toBe(EVENTS + 3);
    expect(fromSnapshot.revision).toBe(replayed.revision);
    expect(instanceToPlain(fromSnapshot)).toEqual(instanceToPlain(replayed));
  }, 120_000);
});
