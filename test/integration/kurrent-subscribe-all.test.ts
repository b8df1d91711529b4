import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { KurrentDBClient, type AllStreamSubscription } from '@kurrent/kurrentdb-client';
import { KurrentEventStore } from 'mneme';
import { useKurrentTarget } from '../support/kurrent-target.js';

describe('KurrentEventStore.subscribeToAll', () => {
  let client: KurrentDBClient | undefined;
  afterAll(async () => {
    await client?.dispose();
  });
  const kurrent = useKurrentTarget();

  it('cancels the server call when the subscription is closed, waiting or not', async () => {
    client = KurrentDBClient.connectionString(kurrent.target.connectionString);
    const opened: AllStreamSubscription[] = [];
    const unsubscribed = new Set<AllStreamSubscription>();
    const subscribe = client.subscribeToAll.bind(client);
    client.subscribeToAll = (...args: Parameters<KurrentDBClient['subscribeToAll']>) => {
      const subscription = subscribe(...args);
      opened.push(subscription);
      const unsubscribe = subscription.unsubscribe.bind(subscription);
      subscription.unsubscribe = () => {
        unsubscribed.add(subscription);
        return unsubscribe();
      };
      return subscription;
    };
    const store = new KurrentEventStore(client);
    const category = `subAll${randomUUID().replace(/-/g, '')}`;
    await store.appendToStream(`${category}-1`, [
      { type: 'A', data: {} },
      { type: 'B', data: {} },
    ]);
    const filter = { streamNamePrefixes: [`${category}-`] };

    // Closed by break, between events.
    for await (const event of store.subscribeToAll({ filter })) if (event.type === 'A') break;
    // Closed by return() while waiting for a live event.
    const iterator = store.subscribeToAll({ filter })[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    const waiting = iterator.next();
    await iterator.return?.();
    await expect(waiting).resolves.toMatchObject({ done: true });
    // Never iterated: nothing was opened.
    store.subscribeToAll({ filter });

    expect(opened).toHaveLength(2);
    expect(opened.every((subscription) => unsubscribed.has(subscription))).toBe(true);
  });
});
