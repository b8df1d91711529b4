import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Type } from 'class-transformer';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  EventStore,
  EventType,
  Handles,
  InMemoryEventStore,
  mnemeModule,
} from 'mneme';
import { serializeEvent } from '../../src/events/event-serializer.js';
import { collect } from '../support/collect.js';

@EventType('Snapshot.CheckedOut')
class CheckedOut {
  constructor(readonly skus: string[] = []) {}
}

class Line {
  constructor(
    public sku = '',
    public qty = 0,
  ) {}
}

/** Same shape, but through class-transformer (it has a @Type). */
@EventType('Snapshot.LinesCheckedOut')
class LinesCheckedOut {
  @Type(() => Line) lines: Line[];
  constructor(lines: Line[] = []) {
    this.lines = lines;
  }
}

class CheckOut {
  @AggregateId() cartId: string;
  constructor(cartId: string) {
    this.cartId = cartId;
  }
}
class CheckOutLines {
  @AggregateId() cartId: string;
  constructor(cartId: string) {
    this.cartId = cartId;
  }
}
class CheckOutRaised {
  @AggregateId() cartId: string;
  constructor(cartId: string) {
    this.cartId = cartId;
  }
}

/** An applier that empties the array the decided event references, as careless domain code does. */
@Aggregate({ category: 'SnapshotCart' })
class Cart extends AggregateRoot {
  skus = ['a', 'b'];
  lines = [new Line('a', 1), new Line('b', 2)];
  applied: string[][] = [];

  @Handles(CheckOut) checkOut() {
    return new CheckedOut(this.skus);
  }
  @Handles(CheckOutLines) checkOutLines() {
    return new LinesCheckedOut(this.lines);
  }
  @Handles(CheckOutRaised) checkOutRaised() {
    const event = new CheckedOut([...this.skus]);
    this.raise(event);
    event.skus.push('late'); // after raise(): too late to change the event
  }
  @Apply(CheckedOut) onCheckedOut(e: CheckedOut) {
    this.applied.push([...e.skus]);
    this.skus.length = 0;
  }
  @Apply(LinesCheckedOut) onLines(e: LinesCheckedOut) {
    for (const line of this.lines) line.qty = 0;
    this.lines = [];
    e.lines.length = 0; // even mutating the event it was given changes nothing reported or stored
  }
}

async function setUp() {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [Cart] }));
  return { bus: container.get(CommandBus), store: container.get(EventStore) };
}

describe('the event stored is the event decided', () => {
  it('stores and reports what was decided when the applier empties the array the event referenced', async () => {
    const { bus, store } = await setUp();
    const result = await bus.execute(new CheckOut('c-1'));
    expect(result.events).toEqual([new CheckedOut(['a', 'b'])]);
    const [stored] = await collect(store.readStream('SnapshotCart-c-1'));
    expect(stored!.data).toEqual({ skus: ['a', 'b'] });
  });

  it('gives the applier the event as decided, as replay will', async () => {
    const { bus, store } = await setUp();
    await bus.execute(new CheckOut('c-1'));
    const live = await new AggregateRepository(store).load(Cart, 'c-1');
    expect(live.applied).toEqual([['a', 'b']]);
  });

  it('behaves the same on the class-transformer path', async () => {
    const { bus, store } = await setUp();
    const result = await bus.execute(new CheckOutLines('c-2'));
    expect(result.events).toEqual([new LinesCheckedOut([new Line('a', 1), new Line('b', 2)])]);
    expect((result.events[0] as LinesCheckedOut).lines[0]).toBeInstanceOf(Line);
    const [stored] = await collect(store.readStream('SnapshotCart-c-2'));
    expect(stored!.data).toEqual({
      lines: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
    });
  });

  it('ignores changes made to a raised event after raise()', async () => {
    const { bus, store } = await setUp();
    const result = await bus.execute(new CheckOutRaised('c-3'));
    expect(result.events).toEqual([new CheckedOut(['a', 'b'])]);
    expect((await collect(store.readStream('SnapshotCart-c-3')))[0]!.data).toEqual({ skus: ['a', 'b'] });
  });

  it('keeps pendingEvents as decided when the event object changes afterwards', async () => {
    const store = new InMemoryEventStore();
    const repository = new AggregateRepository(store);
    const cart = await repository.load(Cart, 'c-4');
    const skus = ['x'];
    const event = new CheckedOut(skus);
    cart.raise(event);
    skus.push('y');
    (event as { skus: string[] }).skus = ['z'];
    expect(cart.pendingEvents).toEqual([new CheckedOut(['x'])]);
    await repository.save(cart);
    expect((await collect(store.readStream('SnapshotCart-c-4')))[0]!.data).toEqual({ skus: ['x'] });
  });

  it('serializes to a plain copy that shares nothing with the event', () => {
    const event = new CheckedOut(['a']);
    const data = serializeEvent(event).data as { skus: string[] };
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.skus).not.toBe(event.skus);
    event.skus.push('b');
    expect(data).toEqual({ skus: ['a'] });
  });

  it('gives the same stored data through both paths', () => {
    const fast = serializeEvent(new CheckedOut(['a'])).data;
    const slow = serializeEvent(new LinesCheckedOut([new Line('a', 1)])).data;
    expect(Object.getPrototypeOf(fast)).toBe(Object.getPrototypeOf(slow));
    expect(JSON.parse(JSON.stringify(fast))).toEqual(fast);
    expect(JSON.parse(JSON.stringify(slow))).toEqual(slow);
  });
});
