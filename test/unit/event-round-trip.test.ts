import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Type } from 'class-transformer';
import {
  AggregateRepository,
  AggregateRoot,
  Aggregate,
  Apply,
  EventDeserializationError,
  EventType,
  InMemoryEventStore,
  InvalidEventError,
  MnemeError,
  deserializeEvent,
  type RecordedEvent,
} from 'mneme';
import { serializeEvent } from '../../src/events/event-serializer.js';

const recorded = (type: string, data: unknown, revision = 3n): RecordedEvent => ({
  id: '00000000-0000-4000-8000-000000000000',
  streamName: 'Round-1',
  revision,
  type,
  data,
  metadata: {},
  createdAt: new Date(),
});

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

class Item {
  constructor(
    public sku = '',
    public price = 0,
  ) {}
}

@EventType('Round.Dated')
class Dated {
  constructor(readonly at: Date = new Date(0)) {}
}

@EventType('Round.DatedTyped')
class DatedTyped {
  @Type(() => Date) at: Date;
  constructor(at: Date = new Date(0)) {
    this.at = at;
  }
}

@EventType('Round.Nested')
class Nested {
  constructor(readonly item: Item = new Item()) {}
}

@EventType('Round.NestedPartlyTyped')
class NestedPartlyTyped {
  @Type(() => Date) at = new Date(0);
  item = new Item();
}

@EventType('Round.Totalled')
class Totalled {
  readonly total: number;
  constructor(readonly items: { sku: string; price: number }[]) {
    this.total = items.reduce((sum, item) => sum + item.price, 0);
  }
}

@EventType('Round.Frozen')
class Frozen {
  constructor(readonly amount = 0) {
    Object.freeze(this);
  }
}

@EventType('Round.Typed')
class Typed {
  @Type(() => Date) at: Date = new Date(0);
  @Type(() => Item) item: Item = new Item();
  @Type(() => Item) items: Item[] = [];
}

@EventType('Round.Flat')
class Flat {
  constructor(readonly amount = 0) {}
}

describe('an event that was accepted can always be replayed', () => {
  it('refuses a Date field without @Type(() => Date) when it is decided, saying what to add', () => {
    const error = thrown(() => serializeEvent(new Dated(new Date())));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(/Dated\.at: a Date.*@Type\(\(\) => Date\)/);
  });

  it('round-trips a Date field declared with @Type(() => Date)', () => {
    const at = new Date('2026-02-03T04:05:06.789Z');
    const data = serializeEvent(new DatedTyped(at)).data;
    expect(data).toEqual({ at: at.toISOString() });
    const back = deserializeEvent(recorded('Round.DatedTyped', JSON.parse(JSON.stringify(data)))) as DatedTyped;
    expect(back.at).toEqual(at);
  });

  it('refuses a nested class instance without @Type, naming the class to add', () => {
    expect(() => serializeEvent(new Nested(new Item('a', 1)))).toThrow(/Nested\.item: a Item.*@Type\(\(\) => Item\)/);
  });

  it('refuses a nested class instance without @Type on the class-transformer path too', () => {
    expect(() => serializeEvent(new NestedPartlyTyped())).toThrow(/item is a Item.*@Type\(\(\) => Item\)/);
  });

  it('refuses an event whose constructor needs its arguments, since replay calls new X()', () => {
    const error = thrown(() => serializeEvent(new Totalled([{ sku: 'a', price: 2 }])));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(/new Totalled\(\).*give every constructor parameter a default/);
  });

  it('refuses an event that freezes itself in its constructor', () => {
    const error = thrown(() => serializeEvent(new Frozen(5)));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(/Frozen freezes .* itself in its constructor/);
  });

  it('writes nothing when the aggregate raises such an event', async () => {
    @Aggregate({ category: 'RoundCart' })
    class RoundCart extends AggregateRoot {
      @Apply(Totalled) onTotalled() {}
    }
    const store = new InMemoryEventStore();
    const repository = new AggregateRepository(store);
    const cart = await repository.load(RoundCart, 'r-1');
    expect(() => cart.raise(new Totalled([{ sku: 'a', price: 1 }]))).toThrow(InvalidEventError);
    expect(cart.pendingEvents).toEqual([]);
    await repository.save(cart);
    expect(cart.revision).toBe(-1n);
  });
});

describe('stored data that cannot become its class', () => {
  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['a number', 42],
    ['a string', 'text'],
  ])('is an EventDeserializationError when the data is %s', (_label, data) => {
    const error = thrown(() => deserializeEvent(recorded('Round.Flat', data)));
    expect(error).toBeInstanceOf(EventDeserializationError);
    expect(error).toMatchObject({
      code: 'MNEME_EVENT_DESERIALIZATION',
      streamName: 'Round-1',
      revision: 3n,
      eventType: 'Round.Flat',
    });
    expect((error as EventDeserializationError).reason).toMatch(/not a JSON object/);
  });

  it.each([
    ['an unparseable date', { at: 'not a date' }, /at: not a valid date/],
    ['a number where a class is expected', { item: 5 }, /item: expected a Item, got 5/],
    ['numbers where classes are expected in an array', { items: [1] }, /items\[0\]: expected a Item/],
    ['a string where an array is expected', { items: 'x' }, /items: expected an array/],
  ])('is an EventDeserializationError for %s that @Type cannot convert', (_label, data, reason) => {
    const error = thrown(() => deserializeEvent(recorded('Round.Typed', data)));
    expect(error).toBeInstanceOf(EventDeserializationError);
    expect((error as EventDeserializationError).reason).toMatch(reason);
  });

  it('wraps a constructor that throws on replay, with the cause, never a raw TypeError', () => {
    const error = thrown(() => deserializeEvent(recorded('Round.Totalled', { items: [] })));
    expect(error).toBeInstanceOf(EventDeserializationError);
    expect((error as MnemeError).cause).toBeInstanceOf(TypeError);
  });

  it('fails the load of an aggregate, naming the stream and revision', async () => {
    @Aggregate({ category: 'RoundLoad' })
    class RoundLoad extends AggregateRoot {
      total = 0;
      @Apply(Flat) onFlat(e: Flat) {
        this.total += e.amount;
      }
    }
    const store = new InMemoryEventStore();
    await store.appendToStream('RoundLoad-1', [
      { type: 'Round.Flat', data: { amount: 1 } },
      { type: 'Round.Flat', data: [] },
    ]);
    await expect(new AggregateRepository(store).load(RoundLoad, '1')).rejects.toMatchObject({
      code: 'MNEME_EVENT_DESERIALIZATION',
      streamName: 'RoundLoad-1',
      revision: 1n,
      eventType: 'Round.Flat',
    });
  });
});

describe('stored data with __proto__, constructor or prototype keys', () => {
  const hostile = JSON.parse(
    '{"amount": 7, "__proto__": {"polluted": true, "amount": 99}, "constructor": {"name": "x"}, "prototype": 1}',
  );

  it('applies the ordinary fields, keeping the class and its applier', async () => {
    @Aggregate({ category: 'RoundProto' })
    class RoundProto extends AggregateRoot {
      total = 0;
      @Apply(Flat) onFlat(e: Flat) {
        this.total += e.amount;
      }
    }
    const store = new InMemoryEventStore();
    await store.appendToStream('RoundProto-1', [{ type: 'Round.Flat', data: hostile }]);
    const loaded = await new AggregateRepository(store).load(RoundProto, '1');
    expect(loaded.total).toBe(7);
  });

  it.each([
    ['the fast path', 'Round.Flat'],
    ['the class-transformer path', 'Round.Typed'],
  ])('neither changes the prototype nor shadows constructor nor pollutes Object.prototype on %s', (_label, type) => {
    const event = deserializeEvent(recorded(type, { ...hostile, nested: hostile })) as Record<string, unknown>;
    expect(Object.getPrototypeOf(event)).toBe(type === 'Round.Flat' ? Flat.prototype : Typed.prototype);
    expect(Object.prototype.hasOwnProperty.call(event, 'constructor')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(event, 'prototype')).toBe(false);
    expect(Object.keys(event.nested as object).sort()).toEqual(['amount']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses such keys in an event when it is decided, since replay drops them', () => {
    const event = Object.assign(new Flat(1), { data: JSON.parse('{"__proto__": {"x": 1}}') });
    expect(() => serializeEvent(event)).toThrow(/'__proto__' is dropped on replay/);
  });
});

describe('the round-trip check on the class-transformer path', () => {
  @EventType('Round.MaybeDated')
  class MaybeDated {
    @Type(() => Item) item = new Item();
    due?: Date;
  }

  it('checks again when a Date first appears in a field that was empty when the class was checked', () => {
    expect(() => serializeEvent(new MaybeDated())).not.toThrow();
    const dated = Object.assign(new MaybeDated(), { due: new Date() });
    expect(() => serializeEvent(dated)).toThrow(/MaybeDated\.due is a Date.*@Type\(\(\) => Date\)/);
  });
});
