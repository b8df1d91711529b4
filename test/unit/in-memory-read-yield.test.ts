import { beforeAll, describe, expect, it } from '@jest/globals';
import { InMemoryEventStore, type ReadDirection } from 'mneme';

const LONG = 50_000;

describe(`${InMemoryEventStore.name} long reads`, () => {
  const store = new InMemoryEventStore();
  beforeAll(async () => {
    // In appends of 10,000: one append of them all would pass the store's 1 MiB append limit.
    for (let from = 0; from < LONG; from += 10_000) {
      await store.appendToStream(
        'long',
        Array.from({ length: 10_000 }, (_, i) => ({ type: 'Counted', data: { i: from + i } })),
      );
    }
  });

  it.each<ReadDirection>(['forwards', 'backwards'])(
    'let a timer set during a %s read fire before the read ends',
    async (direction) => {
      let read = 0;
      let readWhenTimerFired: number | undefined;
      for await (const _event of store.readStream('long', { direction })) {
        read++;
        if (read === 1) setTimeout(() => (readWhenTimerFired = read), 0);
      }
      expect(read).toBe(LONG);
      expect(readWhenTimerFired).toBeDefined();
      expect(readWhenTimerFired!).toBeLessThan(LONG);
    },
  );
});
