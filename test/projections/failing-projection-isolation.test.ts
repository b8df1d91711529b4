import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { InMemoryEventStore, On, Projection, ProjectionFailedError, ProjectionRunner } from 'mneme';
import { ItemAdded, ItemsPerList, added } from './projection-fixtures.js';

const fast = {
  handlerRetry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
  resubscribe: { initialDelayMs: 1, maxDelayMs: 4 },
};

/** A second read model over the same events, healthy. */
@Projection({ name: 'item-count', from: { categories: ['List'] } })
class ItemCount {
  count = 0;
  @On(ItemAdded) add() {
    this.count += 1;
  }
}

describe('a projection whose handler keeps failing', () => {
  it('stops alone: the other projections go on, including with events appended after the failure, and nothing reaches the process', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const store = new InMemoryEventStore();
      const failing = new ItemsPerList();
      failing.failOn = 'poison';
      const healthy = new ItemCount();
      const runner = new ProjectionRunner(store, [failing, healthy], fast);
      await store.appendToStream('List-a', [added('a', 'milk'), added('a', 'poison'), added('a', 'eggs')]);
      await runner.start();
      const error = await runner.catchUp().catch((e: unknown) => e);
      expect(ProjectionFailedError.is(error)).toBe(true);
      expect(error).toMatchObject({ projection: 'items-per-list', revision: 1n });

      await store.appendToStream('List-b', [added('b', 'tea')]);
      // catchUp() keeps rejecting with the failure; the healthy projection is waited for by polling its state.
      for (let i = 0; i < 200 && healthy.count < 4; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(healthy.count).toBe(4);
      expect(failing.lists.get('a')).toEqual(['milk']);
      expect(runner.status()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'items-per-list', state: 'failed' }),
          expect.objectContaining({ name: 'item-count', state: expect.not.stringMatching('failed') }),
        ]),
      );
      await runner.stop();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
