import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { EventType, InMemoryEventStore, Upcast, deserializeEvent } from 'mneme';
import { collect } from '../support/collect.js';

@EventType('FrozenReads.Renamed', { version: 2 })
class Renamed {
  /** Changes its input in place, as upcasters written for freshly parsed JSON may. */
  @Upcast(1) static fromV1(data: { name?: string; title?: string }) {
    data.title = data.name;
    delete data.name;
    return data;
  }
  constructor(readonly title = '') {}
}

describe('InMemoryEventStore reads', () => {
  it('gives an upcaster a copy it may change, leaving the stored data as it was', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('s-1', [{ type: 'FrozenReads.Renamed', data: { name: 'Ada' } }]);
    const [event] = await collect(store.readStream('s-1'));
    expect(deserializeEvent(event!)).toEqual(new Renamed('Ada'));
    const [again] = await collect(store.readStream('s-1'));
    expect(again!.data).toEqual({ name: 'Ada' });
  });

  it('hands out data and metadata frozen at every level, so no reader changes history', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('s-1', [{ type: 'T', data: { lines: [{ sku: 'a' }] }, metadata: { tags: ['x'] } }]);
    const [event] = await collect(store.readStream('s-1'));
    const data = event!.data as { lines: { sku: string }[] };
    expect(() => data.lines.push({ sku: 'b' })).toThrow(TypeError);
    expect(() => (data.lines[0]!.sku = 'changed')).toThrow(TypeError);
    expect(() => (event!.metadata['tags'] as string[]).push('y')).toThrow(TypeError);
    const [again] = await collect(store.readStream('s-1'));
    expect(again!.data).toEqual({ lines: [{ sku: 'a' }] });
  });

  it('keeps none of what the writer still holds', async () => {
    const store = new InMemoryEventStore();
    const data = { lines: [{ sku: 'a' }], at: new Date('2026-01-01T00:00:00Z'), gone: undefined };
    await store.appendToStream('s-1', [{ type: 'T', data }]);
    data.lines[0]!.sku = 'changed';
    const [event] = await collect(store.readStream('s-1'));
    // What a JSON store would give back: the Date as its ISO string, undefined fields left out.
    expect(event!.data).toEqual({ lines: [{ sku: 'a' }], at: '2026-01-01T00:00:00.000Z' });
  });

  it("refuses to change an event's createdAt, which every read shares", async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('s-1', [{ type: 'T', data: {} }]);
    const [event] = await collect(store.readStream('s-1'));
    const time = event!.createdAt.getTime();
    expect(event!.createdAt).toBeInstanceOf(Date);
    expect(() => event!.createdAt.setFullYear(1999)).toThrow(/createdAt cannot be changed/);
    const [again] = await collect(store.readStream('s-1'));
    expect(again!.createdAt.getTime()).toBe(time);
  });

  it('stamps every append with its own time, even when appends in one millisecond share a createdAt', async () => {
    const store = new InMemoryEventStore();
    const before = Date.now();
    for (let i = 0; i < 50; i++) await store.appendToStream(`s-${i}`, [{ type: 'T', data: { i } }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = Date.now();
    await store.appendToStream('s-later', [{ type: 'T', data: {} }]);
    const times = [];
    for (let i = 0; i < 50; i++) {
      const [event] = await collect(store.readStream(`s-${i}`));
      expect(() => event!.createdAt.setTime(0)).toThrow(/createdAt cannot be changed/);
      times.push(event!.createdAt.getTime());
    }
    for (const [index, time] of times.entries()) {
      expect(time).toBeGreaterThanOrEqual(index === 0 ? before : times[index - 1]!);
      expect(time).toBeLessThan(later + 1);
    }
    const [last] = await collect(store.readStream('s-later'));
    expect(last!.createdAt.getTime()).toBeGreaterThanOrEqual(later);
    expect(last!.revision).toBe(0n);
    expect(Object.isFrozen(last)).toBe(true);
  });
});
