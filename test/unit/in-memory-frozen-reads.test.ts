import { describe, expect, it } from '@jest/globals';
import { InMemoryEventStore } from 'mneme';
import { collect } from '../support/collect.js';

describe('InMemoryEventStore reads', () => {
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
