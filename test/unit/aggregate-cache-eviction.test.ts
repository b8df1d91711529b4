import { describe, expect, it } from '@jest/globals';
import { AggregateCache, CachedAggregate } from '../../src/repository/aggregate-cache.js';

const entry = () => new CachedAggregate(Object, 16);

describe(AggregateCache.name, () => {
  it('never holds more than maxEntries, and drops only the least recently used when full', () => {
    const cache = new AggregateCache(64); // drops 64 / 16 = 4 at a time
    const entries = new Map<string, CachedAggregate>();
    for (let i = 0; i < 64; i++) {
      const e = entry();
      entries.set(`s-${i}`, e);
      cache.set(`s-${i}`, e);
    }
    // Use all but s-10..s-13 again, most recent last: those four become the least recently used.
    for (let i = 0; i < 64; i++) if (i < 10 || i > 13) expect(cache.get(`s-${i}`)).toBe(entries.get(`s-${i}`));
    cache.set('new', entry());
    expect(cache.size).toBeLessThanOrEqual(64);
    for (const i of [10, 11, 12, 13]) expect(cache.peek(`s-${i}`)).toBeUndefined();
    for (let i = 0; i < 64; i++) if (i < 10 || i > 13) expect(cache.peek(`s-${i}`)).toBe(entries.get(`s-${i}`));
    expect(cache.peek('new')).toBeDefined();
  });

  it('keeps the most recently used maxEntries - maxEntries/16 + 1 through a working set larger than the cache', () => {
    const cache = new AggregateCache(1000);
    for (let i = 0; i < 10_000; i++) {
      cache.set(`s-${i}`, entry());
      expect(cache.size).toBeLessThanOrEqual(1000);
    }
    expect(cache.size).toBeGreaterThanOrEqual(1000 - 62);
    // The newest are all there, in the order they came.
    for (let i = 10_000 - 900; i < 10_000; i++) expect(cache.peek(`s-${i}`)).toBeDefined();
    expect(cache.peek('s-0')).toBeUndefined();
  });

  it('drops exactly the least recently used one when maxEntries is below 32', () => {
    const cache = new AggregateCache(3);
    for (const name of ['a', 'b', 'c']) cache.set(name, entry());
    cache.get('a');
    cache.set('d', entry());
    expect(['a', 'b', 'c', 'd'].map((name) => cache.peek(name) !== undefined)).toEqual([true, false, true, true]);
    expect(cache.size).toBe(3);
  });

  it('does not count a replaced entry as new', () => {
    const cache = new AggregateCache(32);
    for (let i = 0; i < 32; i++) cache.set(`s-${i}`, entry());
    const replacement = entry();
    cache.set('s-0', replacement);
    expect(cache.size).toBe(32);
    expect(cache.peek('s-0')).toBe(replacement);
  });
});
