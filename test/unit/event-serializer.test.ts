import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { instanceToPlain, plainToInstance, Type } from 'class-transformer';
import {
  DuplicateEventTypeError,
  EventType,
  InvalidEventError,
  UnknownEventTypeError,
  type RecordedEvent,
} from 'mneme';
import { deserializeEvent, eventTypeOf, serializeEvent } from '../../src/events/event-serializer.js';
import { getEventClass } from '../../decorators/index.js';

@EventType('Test.Flat')
class Flat {
  constructor(
    readonly name: string,
    readonly count: number,
    readonly tags: string[] = [],
  ) {}
}

class Line {
  constructor(
    readonly sku: string,
    readonly qty: number,
  ) {}
  total(price: number) {
    return this.qty * price;
  }
}

@EventType('Test.OrderPlaced')
class OrderPlaced {
  @Type(() => Line) lines: Line[];
  @Type(() => Date) placedAt: Date;
  constructor(lines: Line[], placedAt: Date) {
    this.lines = lines;
    this.placedAt = placedAt;
  }
}

const recorded = (type: string, data: unknown, revision = 0n): RecordedEvent => ({
  id: '00000000-0000-4000-8000-000000000000',
  streamName: 'S-1',
  revision,
  type,
  data,
  metadata: {},
  createdAt: new Date(),
});

/** What a store does to data: JSON out and back. */
const throughJson = (data: unknown) => JSON.parse(JSON.stringify(data));

describe('@EventType', () => {
  it('registers the class under its stable name, independent of the class name', () => {
    expect(getEventClass('Test.Flat')).toBe(Flat);
    expect(eventTypeOf(new Flat('a', 1))).toBe('Test.Flat');
  });

  it('refuses the same name on a second class at decoration time', () => {
    expect(() => {
      @EventType('Test.Flat')
      class Impostor {}
      return Impostor;
    }).toThrow(DuplicateEventTypeError);
  });

  it('keeps the registry on a Symbol.for key, shared by every copy of the package', () => {
    const registry = (globalThis as unknown as Record<symbol, Map<string, unknown>>)[
      Symbol.for('mneme:event-type-registry')
    ];
    expect(registry?.get('Test.Flat')).toBe(Flat);
  });
});

describe('event serialization', () => {
  it('round-trips a flat event into an instance of its class', () => {
    const data = serializeEvent(new Flat('a', 2, ['x']));
    expect(data).toMatchObject({ type: 'Test.Flat' });
    expect(data.id).toBeUndefined(); // ids are given when saved (deterministic for a command's events)
    const back = deserializeEvent(recorded('Test.Flat', throughJson(data.data)));
    expect(back).toBeInstanceOf(Flat);
    expect(back).toEqual(new Flat('a', 2, ['x']));
  });

  it('gives a flat class the same instance class-transformer would', () => {
    const plain = throughJson(serializeEvent(new Flat('b', 3)).data);
    const fast = deserializeEvent(recorded('Test.Flat', plain));
    const slow = plainToInstance(Flat, throughJson(instanceToPlain(new Flat('b', 3))));
    expect(fast).toEqual(slow);
    expect(Object.getPrototypeOf(fast)).toBe(Object.getPrototypeOf(slow));
  });

  it('restores nested @Type() classes and Dates through class-transformer', () => {
    const placedAt = new Date('2026-01-02T03:04:05.678Z');
    const data = serializeEvent(new OrderPlaced([new Line('sku-1', 2)], placedAt));
    const back = deserializeEvent(recorded('Test.OrderPlaced', throughJson(data.data))) as OrderPlaced;
    expect(back).toBeInstanceOf(OrderPlaced);
    expect(back.placedAt).toBeInstanceOf(Date);
    expect(back.placedAt.getTime()).toBe(placedAt.getTime());
    expect(back.lines[0]).toBeInstanceOf(Line);
    expect(back.lines[0]!.total(5)).toBe(10);
  });

  it('fails loudly on a stored type no class registered', () => {
    const error = (() => {
      try {
        deserializeEvent(recorded('Test.Nobody', {}, 7n));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect(error).toMatchObject({
      streamName: 'S-1',
      revision: 7n,
      eventType: 'Test.Nobody',
      code: 'MNEME_UNKNOWN_EVENT_TYPE',
    });
  });

  it.each([
    ['undefined', undefined, /got undefined/],
    ['null', null, /got null/],
    ['a string', 'Deposited', /got a string/],
    ['a plain object', { type: 'Test.Flat' }, /Object has no @EventType/],
    ['a BigInt field', Object.assign(new Flat('a', 1), { big: 10n }), /\.big: BigInt/],
    ['a function field', Object.assign(new Flat('a', 1), { fn: () => 1 }), /function/],
    ['a Map field', Object.assign(new Flat('a', 1), { map: new Map() }), /Map serializes as \{\}/],
    ['NaN', new Flat('a', Number.NaN), /NaN is not a JSON number/],
  ])('rejects %s with InvalidEventError', (_label, value, message) => {
    expect(() => serializeEvent(value)).toThrow(InvalidEventError);
    expect(() => serializeEvent(value)).toThrow(message);
  });

  it('detects a cycle explicitly instead of dropping or overflowing', () => {
    const lines: unknown[] = [];
    const event = new OrderPlaced(lines as Line[], new Date());
    lines.push(event);
    expect(() => serializeEvent(event)).toThrow(/lines\[0\]: a cycle/);
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = ['t'];
    const event = Object.assign(new Flat('a', 1, shared), { again: shared });
    expect(() => serializeEvent(event)).not.toThrow();
  });
});
