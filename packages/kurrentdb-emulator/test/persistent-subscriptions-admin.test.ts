import { afterEach, describe, expect, it } from '@jest/globals';
import {
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionDroppedError,
  PersistentSubscriptionExistsError,
  PersistentSubscriptionFailedError,
  PersistentSubscriptionMaximumSubscribersReachedError,
  KurrentDBClient,
  START,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import { describeEmulatorOnly, uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { testEvents } from './support/kurrent-client-helpers.js';
import { GroupConsumer, eventually } from './support/group-consumer.js';

describe('persistent subscriptions: managing groups', () => {
  const kurrent = useKurrentTarget();
  const consumers: GroupConsumer[] = [];
  const connect = (stream: string, group: string, bufferSize = 10) => {
    const consumer = new GroupConsumer(
      kurrent.client.subscribeToPersistentSubscriptionToStream(stream, group, { bufferSize }),
    );
    consumers.push(consumer);
    return consumer;
  };

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.close()));
  });

  it('creates a group on a stream and reports its settings', async () => {
    const stream = uniqueStream('psub-info');
    const settings = persistentSubscriptionToStreamSettingsFromDefaults({
      startFrom: START,
      messageTimeout: 12_000,
      maxRetryCount: 3,
      consumerStrategyName: 'DispatchToSingle',
      checkPointLowerBound: 2,
      checkPointUpperBound: 20,
    });
    await kurrent.client.createPersistentSubscriptionToStream(stream, 'g', settings);

    const info = await kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g');

    expect(info.eventSource).toBe(stream);
    expect(info.groupName).toBe('g');
    expect(info.settings).toMatchObject({
      startFrom: START,
      messageTimeout: 12_000,
      maxRetryCount: 3,
      consumerStrategyName: 'DispatchToSingle',
      checkPointLowerBound: 2,
      checkPointUpperBound: 20,
      historyBufferSize: settings.historyBufferSize,
      readBatchSize: settings.readBatchSize,
    });
    expect(info.connections).toEqual([]);
  });

  it('reports each connected consumer and what it was sent', async () => {
    const stream = uniqueStream('psub-connections');
    await kurrent.client.appendToStream(stream, testEvents(3));
    await kurrent.client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
    );
    const consumer = connect(stream, 'g', 7);
    consumer.policy = 'hold';
    await consumer.until((c) => c.received.length === 3, 'three events');

    const info = await kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g');

    expect(info.connections).toHaveLength(1);
    expect(info.connections[0]).toMatchObject({ inFlightMessages: 3, availableSlots: 4, totalItems: 3n });
    expect(info.stats).toMatchObject({ totalItems: 3n, outstandingMessagesCount: 3, totalInFlightMessages: 3 });
  });

  it("reports a consumer as the insecure node's system user, whatever credentials the client sends", async () => {
    // An insecure KurrentDB authenticates every call as the system account (its passthrough provider).
    const stream = uniqueStream('psub-user');
    await kurrent.client.appendToStream(stream, testEvents(1));
    await kurrent.client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
    );
    const withAdmin = KurrentDBClient.connectionString(
      kurrent.target.connectionString.replace('kurrentdb://', 'kurrentdb://admin:changeit@'),
    );
    try {
      const consumer = new GroupConsumer(withAdmin.subscribeToPersistentSubscriptionToStream(stream, 'g'));
      consumers.push(consumer);
      consumer.policy = 'hold';
      await consumer.until((c) => c.received.length === 1, 'the event');
      const [connection] = (await kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g')).connections;
      expect(connection?.username).toBe('system');
      await consumer.close();
    } finally {
      await withAdmin.dispose();
    }
  });

  it('measures ack latencies per consumer when extraStatistics is on', async () => {
    const stream = uniqueStream('psub-extra');
    await kurrent.client.appendToStream(stream, testEvents(5));
    await kurrent.client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, extraStatistics: true }),
    );
    const consumer = connect(stream, 'g');
    await consumer.until((c) => c.received.length === 5, 'five events');

    const info = await eventually(
      () => kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g'),
      ({ stats }) => stats.outstandingMessagesCount === 0,
      'every event acked',
    );

    const measurements = info.connections[0]!.extraStatistics;
    expect(measurements?.get('mean')).toBeDefined();
    expect(measurements?.get('quintile 3')).toBeDefined();
    expect(measurements?.get('highest')).toBeDefined();
  });

  it('lists the groups of a stream, of $all, and of the whole node', async () => {
    const stream = uniqueStream('psub-list');
    const defaults = persistentSubscriptionToStreamSettingsFromDefaults();
    await kurrent.client.createPersistentSubscriptionToStream(stream, 'a', defaults);
    await kurrent.client.createPersistentSubscriptionToStream(stream, 'b', defaults);
    const allGroup = uniqueStream('all-group');
    await kurrent.client.createPersistentSubscriptionToAll(
      allGroup,
      persistentSubscriptionToAllSettingsFromDefaults(),
      {
        filter: streamNameFilter({ prefixes: [stream] }),
      },
    );

    const forStream = await kurrent.client.listPersistentSubscriptionsToStream(stream);
    const forAll = await kurrent.client.listPersistentSubscriptionsToAll();
    const everything = await kurrent.client.listAllPersistentSubscriptions();

    expect(forStream.map(({ groupName }) => groupName).sort()).toEqual(['a', 'b']);
    expect(forAll.map(({ groupName }) => groupName)).toContain(allGroup);
    const keys = everything.map(({ eventSource, groupName }) => `${eventSource}::${groupName}`);
    expect(keys).toEqual(expect.arrayContaining([`${stream}::a`, `${stream}::b`, `$all::${allGroup}`]));
  });

  it('updates a group: new settings, its consumers dropped', async () => {
    const stream = uniqueStream('psub-update');
    await kurrent.client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults(),
    );
    const consumer = connect(stream, 'g');
    await consumer.untilConfirmed();

    await kurrent.client.updatePersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults({ maxRetryCount: 42, consumerStrategyName: 'Pinned' }),
    );

    expect(await consumer.untilError()).toBeInstanceOf(PersistentSubscriptionDroppedError);
    const info = await kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g');
    expect(info.settings).toMatchObject({ maxRetryCount: 42, consumerStrategyName: 'Pinned' });
  });

  it('deletes a group: its consumers are dropped and it is gone', async () => {
    const stream = uniqueStream('psub-delete');
    await kurrent.client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults(),
    );
    const consumer = connect(stream, 'g');
    await consumer.untilConfirmed();

    await kurrent.client.deletePersistentSubscriptionToStream(stream, 'g');

    expect(await consumer.untilError()).toBeInstanceOf(PersistentSubscriptionDroppedError);
    await expect(kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g')).rejects.toBeInstanceOf(
      PersistentSubscriptionDoesNotExistError,
    );
  });

  describe('errors, as the server sends them', () => {
    it('refuses a second group of the same name', async () => {
      const stream = uniqueStream('psub-exists');
      const settings = persistentSubscriptionToStreamSettingsFromDefaults();
      await kurrent.client.createPersistentSubscriptionToStream(stream, 'g', settings);

      const error = await kurrent.client
        .createPersistentSubscriptionToStream(stream, 'g', settings)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PersistentSubscriptionExistsError);
      expect(error).toMatchObject({ streamName: stream, groupName: 'g' });
    });

    it('answers "does not exist" for every operation on a missing group', async () => {
      const stream = uniqueStream('psub-missing');
      const settings = persistentSubscriptionToStreamSettingsFromDefaults();
      const client = kurrent.client;

      const failures = await Promise.all([
        client.getPersistentSubscriptionToStreamInfo(stream, 'nope').catch((e: unknown) => e),
        client.updatePersistentSubscriptionToStream(stream, 'nope', settings).catch((e: unknown) => e),
        client.deletePersistentSubscriptionToStream(stream, 'nope').catch((e: unknown) => e),
        client.replayParkedMessagesToStream(stream, 'nope').catch((e: unknown) => e),
        client.listPersistentSubscriptionsToStream(stream).catch((e: unknown) => e),
      ]);

      for (const failure of failures) expect(failure).toBeInstanceOf(PersistentSubscriptionDoesNotExistError);
      expect(failures[0]).toMatchObject({ streamName: stream, groupName: 'nope' });
      expect((failures[0] as Error).message).toBe(
        `5 NOT_FOUND: Subscription group nope on stream ${stream} does not exist.`,
      );
    });

    it('refuses settings the server cannot build a group from, and creates nothing', async () => {
      const stream = uniqueStream('psub-bad-settings');
      const settings = persistentSubscriptionToStreamSettingsFromDefaults({ readBatchSize: 20, historyBufferSize: 20 });

      const error = await kurrent.client
        .createPersistentSubscriptionToStream(stream, 'g', settings)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PersistentSubscriptionFailedError);
      expect(error).toMatchObject({ streamName: stream, groupName: 'g' });
      await expect(kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g')).rejects.toBeInstanceOf(
        PersistentSubscriptionDoesNotExistError,
      );
    });

    it('fails a consumer of a missing group', async () => {
      const consumer = connect(uniqueStream('psub-no-group'), 'nope');

      expect(await consumer.untilError()).toBeInstanceOf(PersistentSubscriptionDoesNotExistError);
    });

    it('refuses a consumer beyond maxSubscriberCount', async () => {
      const stream = uniqueStream('psub-max');
      await kurrent.client.createPersistentSubscriptionToStream(
        stream,
        'g',
        persistentSubscriptionToStreamSettingsFromDefaults({ maxSubscriberCount: 1 }),
      );
      await connect(stream, 'g').untilConfirmed();

      const second = connect(stream, 'g');

      expect(await second.untilError()).toBeInstanceOf(PersistentSubscriptionMaximumSubscribersReachedError);
    });
  });
});

describeEmulatorOnly('persistent subscriptions: the RPCs the client uses', () => {
  const kurrent = useKurrentTarget();

  it('are all implemented, and advertised so the client uses gRPC rather than HTTP', async () => {
    const stream = uniqueStream('psub-surface');
    const client = kurrent.client;
    const settings = persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START });
    await client.appendToStream(stream, testEvents(1));
    await client.createPersistentSubscriptionToStream(stream, 'g', settings);
    const consumer = new GroupConsumer(client.subscribeToPersistentSubscriptionToStream(stream, 'g'));
    await consumer.until((c) => c.received.length === 1, 'the event');
    await consumer.close();
    await client.getPersistentSubscriptionToStreamInfo(stream, 'g');
    await client.listAllPersistentSubscriptions();
    await client.replayParkedMessagesToStream(stream, 'g');
    await client.updatePersistentSubscriptionToStream(stream, 'g', settings);
    await client.restartPersistentSubscriptionSubsystem();
    await client.deletePersistentSubscriptionToStream(stream, 'g');

    const service = '/event_store.client.persistent_subscriptions.PersistentSubscriptions/';
    const called = new Set(
      kurrent.emulator.rpcLog.filter((path) => path.startsWith(service)).map((path) => path.slice(service.length)),
    );
    expect([...called].sort()).toEqual([
      'Create',
      'Delete',
      'GetInfo',
      'List',
      'Read',
      'ReplayParked',
      'RestartSubsystem',
      'Update',
    ]);
    expect(kurrent.emulator.unimplementedCalls).toEqual([]);
  });
});
