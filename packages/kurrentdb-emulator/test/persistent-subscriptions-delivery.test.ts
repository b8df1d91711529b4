import { afterEach, describe, expect, it } from '@jest/globals';
import {
  PersistentSubscriptionDroppedError,
  START,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  streamNameFilter,
  type PersistentSubscriptionToStreamSettings,
} from '@kurrent/kurrentdb-client';
import { uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { collect, testEvents } from './support/kurrent-client-helpers.js';
import { GroupConsumer, eventually } from './support/group-consumer.js';

describe('persistent subscriptions: delivery to a group', () => {
  const kurrent = useKurrentTarget();
  const consumers: GroupConsumer[] = [];
  const connect = (stream: string, group: string, bufferSize = 10) => {
    const consumer = new GroupConsumer(
      kurrent.client.subscribeToPersistentSubscriptionToStream(stream, group, { bufferSize }),
    );
    consumers.push(consumer);
    return consumer;
  };
  const createGroup = (stream: string, changes: Partial<PersistentSubscriptionToStreamSettings> = {}) =>
    kurrent.client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, ...changes }),
    );
  const ids = (consumer: GroupConsumer) => consumer.received.map(({ event }) => event!.id);

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.close()));
  });

  it('splits the work between competing consumers, each event to one of them', async () => {
    const stream = uniqueStream('psub-compete');
    await createGroup(stream, { consumerStrategyName: 'RoundRobin' });
    const [a, b] = [connect(stream, 'g'), connect(stream, 'g')];
    await Promise.all([a.untilConfirmed(), b.untilConfirmed()]);

    await kurrent.client.appendToStream(stream, testEvents(40));
    await eventually(
      async () => a.received.length + b.received.length,
      (total) => total === 40,
      'all forty events',
    );

    console.info(`[psub] round robin split 40 events: ${a.received.length} / ${b.received.length}`);
    expect(a.received.length).toBeGreaterThan(0);
    expect(b.received.length).toBeGreaterThan(0);
    const all = [...a.revisions, ...b.revisions].sort((x, y) => Number(x - y));
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i)));
  });

  it('fills one consumer before the next with DispatchToSingle', async () => {
    const stream = uniqueStream('psub-single');
    await createGroup(stream, { consumerStrategyName: 'DispatchToSingle' });
    const first = connect(stream, 'g', 5);
    first.policy = 'hold';
    await first.untilConfirmed();
    const second = connect(stream, 'g', 5);
    second.policy = 'hold';
    await second.untilConfirmed();

    await kurrent.client.appendToStream(stream, testEvents(8));
    await eventually(
      async () => first.received.length + second.received.length,
      (total) => total === 8,
      'all eight events',
    );

    expect(first.revisions).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(second.revisions).toEqual([5n, 6n, 7n]);
  });

  it('redelivers an unacked event after the message timeout, with its retry count', async () => {
    const stream = uniqueStream('psub-timeout');
    await kurrent.client.appendToStream(stream, testEvents(1));
    await createGroup(stream, { messageTimeout: 1000 });
    const consumer = connect(stream, 'g');
    consumer.policy = 'hold';

    await consumer.until((c) => c.received.length === 2, 'the redelivery');

    expect(consumer.received.map(({ retryCount }) => retryCount)).toEqual([0, 1]);
    expect(ids(consumer)[1]).toBe(ids(consumer)[0]);
  });

  it('hands the events of a consumer that leaves without acking to the other, retry count + 1', async () => {
    const stream = uniqueStream('psub-leave');
    await createGroup(stream, { messageTimeout: 60_000 });
    const leaver = connect(stream, 'g');
    leaver.policy = 'hold';
    await leaver.untilConfirmed();
    await kurrent.client.appendToStream(stream, testEvents(3));
    await leaver.until((c) => c.received.length === 3, 'three events');
    const stayer = connect(stream, 'g');
    await stayer.untilConfirmed();

    await leaver.close();
    await stayer.until((c) => c.received.length === 3, 'the three events again');

    expect(stayer.revisions).toEqual([0n, 1n, 2n]);
    expect(stayer.received.map(({ retryCount }) => retryCount)).toEqual([1, 1, 1]);
    expect(ids(stayer)).toEqual(ids(leaver));
  });

  it('parks a nacked event to the parked stream, and replays it on request', async () => {
    const stream = uniqueStream('psub-park');
    await kurrent.client.appendToStream(stream, testEvents(1));
    await createGroup(stream);
    const consumer = connect(stream, 'g');
    consumer.policy = 'hold';
    await consumer.until((c) => c.received.length === 1, 'the event');

    await consumer.subscription.nack('park', 'poison', consumer.received[0]!);
    const parkedStream = `$persistentsubscription-${stream}::g-parked`;
    const parked = await eventually(
      () => collect(kurrent.client.readStream(parkedStream, { resolveLinkTos: true })).catch(() => []),
      (events) => events.length === 1,
      'the parked link',
    );
    expect(parked[0]!.link?.type).toBe('$>');
    expect(parked[0]!.event?.id).toBe(ids(consumer)[0]);
    await eventually(
      () => kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g'),
      (info) => info.stats.parkedMessageCount === 1n,
      'a parked count of 1',
    );

    consumer.policy = 'ack';
    await kurrent.client.replayParkedMessagesToStream(stream, 'g');
    await consumer.until((c) => c.received.length === 2, 'the replayed event');

    expect(ids(consumer)[1]).toBe(ids(consumer)[0]);
    await eventually(
      () => kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g'),
      (info) => info.stats.parkedMessageCount === 0n,
      'a parked count of 0',
    );
  });

  it('parks an event retried past maxRetryCount', async () => {
    const stream = uniqueStream('psub-max-retry');
    await kurrent.client.appendToStream(stream, testEvents(1));
    await createGroup(stream, { maxRetryCount: 1 });
    const consumer = connect(stream, 'g');
    consumer.policy = 'hold';
    await consumer.until((c) => c.received.length === 1, 'the event');

    await consumer.subscription.nack('retry', 'again', consumer.received[0]!);
    await consumer.until((c) => c.received.length === 2, 'the retry');
    await consumer.subscription.nack('retry', 'again', consumer.received[1]!);

    await eventually(
      () => kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g'),
      (info) => info.stats.parkedMessageCount === 1n,
      'the event parked',
    );
    expect(consumer.received.map(({ retryCount }) => retryCount)).toEqual([0, 1]);
  });

  it('skips a nacked event for good', async () => {
    const stream = uniqueStream('psub-skip');
    await kurrent.client.appendToStream(stream, testEvents(2));
    await createGroup(stream, { messageTimeout: 1000 });
    const consumer = connect(stream, 'g');
    consumer.policy = 'hold';
    await consumer.until((c) => c.received.length === 2, 'both events');

    await consumer.subscription.nack('skip', 'not mine', consumer.received[0]!);
    // The other, held, event times out and comes back; the skipped one does not.
    await consumer.until((c) => c.received.length === 3, 'the held event again');

    expect(consumer.revisions).toEqual([0n, 1n, 1n]);
  });

  it('keeps each stream on one consumer, in order, with Pinned', async () => {
    const prefix = uniqueStream('psub-pinned');
    const group = uniqueStream('pinned-group');
    await kurrent.client.createPersistentSubscriptionToAll(
      group,
      persistentSubscriptionToAllSettingsFromDefaults({ consumerStrategyName: 'Pinned' }),
      { filter: streamNameFilter({ prefixes: [prefix] }) },
    );
    const join = () => {
      const consumer = new GroupConsumer(
        kurrent.client.subscribeToPersistentSubscriptionToAll(group, { bufferSize: 100 }),
      );
      consumers.push(consumer);
      return consumer;
    };
    const [a, b] = [join(), join()];
    await Promise.all([a.untilConfirmed(), b.untilConfirmed()]);
    const streams = Array.from({ length: 8 }, (_, i) => `${prefix}-${i}`);

    for (let round = 0; round < 5; round += 1) {
      for (const stream of streams) await kurrent.client.appendToStream(stream, testEvents(1));
    }
    await eventually(
      async () => a.received.length + b.received.length,
      (total) => total === 40,
      'all forty events',
    );

    for (const stream of streams) {
      const holders = [a, b].filter((consumer) => consumer.received.some(({ event }) => event!.streamId === stream));
      expect(holders).toHaveLength(1);
      const revisions = holders[0]!.received
        .filter(({ event }) => event!.streamId === stream)
        .map(({ event }) => event!.revision);
      expect(revisions).toEqual([0n, 1n, 2n, 3n, 4n]);
    }
    console.info(`[psub] pinned 8 streams: ${a.received.length / 5} / ${b.received.length / 5}`);
  });

  it('delivers system events to an unfiltered $all group', async () => {
    const stream = uniqueStream('psub-all-system');
    const group = uniqueStream('all-system-group');
    await kurrent.client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults());
    const consumer = new GroupConsumer(kurrent.client.subscribeToPersistentSubscriptionToAll(group));
    consumers.push(consumer);
    await consumer.untilConfirmed();

    // Creating another group rewrites the node's subscription configuration: a system event.
    await kurrent.client.createPersistentSubscriptionToStream(
      stream,
      'other',
      persistentSubscriptionToStreamSettingsFromDefaults(),
    );

    await consumer.until(
      (c) =>
        c.received.some(
          ({ event }) => event?.type === '$PersistentConfig' && event.streamId === '$persistentSubscriptionConfig',
        ),
      'the $PersistentConfig event',
    );
  });

  describe('checkpoints', () => {
    /** The checkpoint stream's last event (the server writes it asynchronously), and the group's info. */
    const checkpointed = async (stream: string, revision: bigint) => {
      await eventually(
        () =>
          collect(
            kurrent.client.readStream(`$persistentsubscription-${stream}::g-checkpoint`, {
              direction: 'backwards',
              maxCount: 1,
            }),
          ).catch(() => []),
        (events) => events[0]?.event?.type === '$SubscriptionCheckpoint' && events[0].event.data === String(revision),
        `a checkpoint at ${revision}`,
      );
      const info = await kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g');
      expect(info.stats.lastCheckpointedEventRevision).toBe(revision);
    };
    // A bound equal to the number of events: one checkpoint, written when the last one is acked (a
    // server skips a checkpoint while its previous write is in flight).

    it('writes the acked position to the checkpoint stream', async () => {
      const stream = uniqueStream('psub-checkpoint');
      await kurrent.client.appendToStream(stream, testEvents(5));
      await createGroup(stream, { checkPointLowerBound: 5, checkPointUpperBound: 5 });
      const consumer = connect(stream, 'g');
      await consumer.until((c) => c.received.length === 5, 'five events');

      await checkpointed(stream, 4n);
    });

    it('checkpoints a $all group at a commit position', async () => {
      const prefix = uniqueStream('psub-all-checkpoint');
      const group = uniqueStream('all-checkpoint-group');
      await kurrent.client.createPersistentSubscriptionToAll(
        group,
        persistentSubscriptionToAllSettingsFromDefaults({
          startFrom: START,
          checkPointLowerBound: 3,
          checkPointUpperBound: 3,
        }),
        { filter: streamNameFilter({ prefixes: [prefix] }) },
      );
      const appended = await kurrent.client.appendToStream(`${prefix}-a`, testEvents(3));
      const consumer = new GroupConsumer(kurrent.client.subscribeToPersistentSubscriptionToAll(group));
      consumers.push(consumer);
      await consumer.until((c) => c.received.length === 3, 'three events');

      // Records the filter passes over count too: on a server with other traffic a first checkpoint
      // may sit among them, before these events, and a later one beyond the last event.
      const info = await eventually(
        () => kurrent.client.getPersistentSubscriptionToAllInfo(group),
        ({ stats }) =>
          stats.lastCheckpointedEventPosition !== undefined &&
          stats.lastCheckpointedEventPosition.commit >= appended.position!.commit,
        'a checkpoint at or beyond the last event',
      );

      expect(info.stats.lastCheckpointedEventPosition!.commit).toBeGreaterThanOrEqual(appended.position!.commit);
    });

    it('never checkpoints past an unacked event, whatever is acked after it', async () => {
      const stream = uniqueStream('psub-checkpoint-gap');
      await kurrent.client.appendToStream(stream, testEvents(3));
      await createGroup(stream, { checkPointLowerBound: 1, checkPointUpperBound: 1 });
      const consumer = connect(stream, 'g');
      consumer.policy = 'hold';
      await consumer.until((c) => c.received.length === 3, 'three events');

      await consumer.subscription.ack(consumer.received[1]!, consumer.received[2]!);
      const info = await eventually(
        () => kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g'),
        ({ stats }) => stats.outstandingMessagesCount === 1,
        'events 1 and 2 acked',
      );
      expect(info.stats.lastCheckpointedEventRevision).toBeUndefined();

      await consumer.subscription.ack(consumer.received[0]!);
      await checkpointed(stream, 2n);
    });

    it('resumes a group after its checkpoint when it is rebuilt (update)', async () => {
      const stream = uniqueStream('psub-resume');
      await kurrent.client.appendToStream(stream, testEvents(5));
      const settings = { checkPointLowerBound: 5, checkPointUpperBound: 5 };
      await createGroup(stream, settings);
      const first = connect(stream, 'g');
      await first.until((c) => c.received.length === 5, 'five events');
      await checkpointed(stream, 4n);
      await first.close();

      await kurrent.client.updatePersistentSubscriptionToStream(
        stream,
        'g',
        persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, ...settings }),
      );
      await kurrent.client.appendToStream(stream, testEvents(2));
      const second = connect(stream, 'g');
      await second.until((c) => c.received.length === 2, 'the two new events');

      expect(second.revisions).toEqual([5n, 6n]);
    });

    it('resumes every group after its checkpoint when the subsystem restarts', async () => {
      const stream = uniqueStream('psub-restart');
      await kurrent.client.appendToStream(stream, testEvents(3));
      await createGroup(stream, { checkPointLowerBound: 3, checkPointUpperBound: 3 });
      const first = connect(stream, 'g');
      await first.until((c) => c.received.length === 3, 'three events');
      await checkpointed(stream, 2n);

      await kurrent.client.restartPersistentSubscriptionSubsystem();
      expect(await first.untilError()).toBeInstanceOf(PersistentSubscriptionDroppedError);
      // The server reloads its groups in the background; it answers once they are back.
      await eventually(
        () =>
          kurrent.client.getPersistentSubscriptionToStreamInfo(stream, 'g').then(
            () => true,
            () => false,
          ),
        (ready) => ready,
        'the group reloaded',
      );
      await kurrent.client.appendToStream(stream, testEvents(1));
      const second = connect(stream, 'g');
      await second.until((c) => c.received.length === 1, 'the new event');

      expect(second.revisions).toEqual([3n]);
    });
  });
});
