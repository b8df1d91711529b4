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
});
