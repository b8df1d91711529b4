import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { persistentSubscriptionToStreamSettingsFromDefaults, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import {
  DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS,
  PersistentSubscriptionDroppedError,
  PersistentSubscriptionExistsError,
  PersistentSubscriptionMaxSubscribersError,
  PersistentSubscriptionNotFoundError,
  type PersistentSubscriptionSettings,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { fromClientSettings, toClientSettings } from '../../src/kurrent/kurrent-persistent-subscriptions.js';

/** A client whose every call fails as the server answers, with the client's error `type`. */
function failingClient(type: string): KurrentDBClient {
  const fail = () => Promise.reject(Object.assign(new Error(type), { type }));
  return new Proxy({ appendToStream: fail } as unknown as KurrentDBClient, {
    get: (target, key) =>
      key === 'subscribeToPersistentSubscriptionToStream'
        ? () => {
            // As the client's subscription does: an object stream that emits 'error' without being destroyed.
            const stream = new PassThrough({ objectMode: true });
            setImmediate(() => stream.emit('error', Object.assign(new Error(type), { type })));
            return Object.assign(stream, { unsubscribe: async () => undefined });
          }
        : typeof key === 'string' && key.includes('Persistent')
          ? fail
          : (target as unknown as Record<string | symbol, unknown>)[key],
  });
}

describe('KurrentEventStore persistent subscriptions mapping', () => {
  it("has the client's defaults, setting for setting", () => {
    expect(toClientSettings({ ...DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS })).toEqual(
      persistentSubscriptionToStreamSettingsFromDefaults(),
    );
  });

  it('turns every setting into the client one and back', () => {
    const settings: PersistentSubscriptionSettings = {
      startFrom: 7n,
      resolveLinkTos: true,
      extraStatistics: true,
      messageTimeoutMs: 1_234,
      maxRetryCount: 3,
      checkpointAfterMs: 500,
      minCheckpointCount: 2,
      maxCheckpointCount: 9,
      maxSubscriberCount: 4,
      liveBufferSize: 50,
      readBatchSize: 5,
      historyBufferSize: 60,
      consumerStrategy: 'Pinned',
    };
    expect(fromClientSettings(toClientSettings(settings))).toEqual(settings);
  });

  it.each([
    [
      'persistent-subscription-exists',
      PersistentSubscriptionExistsError,
      (store: KurrentEventStore) => store.persistentSubscriptions.createGroup('s', 'g'),
    ],
    [
      'persistent-subscription-does-not-exist',
      PersistentSubscriptionNotFoundError,
      (store: KurrentEventStore) => store.persistentSubscriptions.getGroupInfo('s', 'g'),
    ],
    [
      'persistent-subscription-does-not-exist',
      PersistentSubscriptionNotFoundError,
      (store: KurrentEventStore) => store.persistentSubscriptions.deleteGroup('s', 'g'),
    ],
  ] as const)('maps the client error %s to %p', async (type, errorClass, call) => {
    const error = await call(new KurrentEventStore(failingClient(type))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ streamName: 's', group: 'g' });
  });

  it('answers [] for a stream the server has no groups on', async () => {
    const store = new KurrentEventStore(failingClient('persistent-subscription-does-not-exist'));
    expect(await store.persistentSubscriptions.listGroups('s')).toEqual([]);
  });

  it.each([
    ['maximum-subscribers-reached', PersistentSubscriptionMaxSubscribersError],
    ['persistent-subscription-dropped', PersistentSubscriptionDroppedError],
    ['unavailable', PersistentSubscriptionDroppedError],
  ] as const)("fails a consumer's iteration on %s with %p", async (type, errorClass) => {
    const subscription = new KurrentEventStore(failingClient(type)).persistentSubscriptions.subscribe('s', 'g');
    await expect(subscription[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(errorClass);
  });

  it('keeps a drop that came while no one was reading, and throws it from the next read', async () => {
    const subscription = new KurrentEventStore(
      failingClient('persistent-subscription-dropped'),
    ).persistentSubscriptions.subscribe('s', 'g');
    await new Promise((resolve) => setImmediate(resolve)); // the drop: no iterator yet, and no unhandled 'error'
    await expect(subscription[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
      PersistentSubscriptionDroppedError,
    );
  });
});
