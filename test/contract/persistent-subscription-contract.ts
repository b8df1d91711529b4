import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ALL_STREAM,
  DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS,
  InvalidConfigurationError,
  InvalidPersistentSubscriptionSettingsError,
  PersistentSubscriptionDroppedError,
  PersistentSubscriptionExistsError,
  PersistentSubscriptionMaxSubscribersError,
  PersistentSubscriptionNotFoundError,
  persistentSubscriptionsOf,
  type EventStore,
  type PersistentMessage,
  type PersistentSubscription,
  type PersistentSubscriptionInfo,
  type PersistentSubscriptions,
} from 'mneme';

/** What a run of the persistent-subscription contract needs. */
export interface PersistentSubscriptionStoreUnderTest {
  store: EventStore;
  /** Lets `ms` of the store's time pass: moves a manual clock, or waits on a real server. */
  elapse: (ms: number) => Promise<void>;
  close?: () => Promise<void>;
}

/** The message timeout the suite's groups use: a real server checks timeouts once a second. */
const TIMEOUT_MS = 1_000;
const IDLE: unique symbol = Symbol('idle');

/**
 * One consumer as a test drives it: `next()` waits for the next message; given `idle`, it calls it
 * whenever nothing arrived for a while (to let the store's time pass), without asserting on time.
 */
class TestConsumer {
  readonly #iterator: AsyncIterator<PersistentMessage>;
  #pending: Promise<IteratorResult<PersistentMessage>> | undefined;

  constructor(readonly subscription: PersistentSubscription) {
    this.#iterator = subscription[Symbol.asyncIterator]();
  }

  async next(idle?: () => Promise<void>): Promise<PersistentMessage> {
    this.#pending ??= this.#iterator.next();
    for (;;) {
      const result = idle
        ? await Promise.race([this.#pending, sleep(25).then((): typeof IDLE => IDLE)])
        : await this.#pending;
      if (result === IDLE) {
        await idle!();
        continue;
      }
      this.#pending = undefined;
      if (result.done) throw new Error('the subscription ended');
      return result.value;
    }
  }

  async take(count: number, idle?: () => Promise<void>): Promise<PersistentMessage[]> {
    const messages: PersistentMessage[] = [];
    while (messages.length < count) messages.push(await this.next(idle));
    return messages;
  }

  /** The error the iteration fails with. */
  async failure(): Promise<unknown> {
    this.#pending ??= this.#iterator.next();
    try {
      await this.#pending;
    } catch (error) {
      return error;
    } finally {
      this.#pending = undefined;
    }
    throw new Error('expected the subscription to fail');
  }

  async leave(): Promise<void> {
    await this.#iterator.return?.();
  }
}

const ticks = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({ type: 'Tick', data: { n: from + i } }));
const numbers = (messages: readonly PersistentMessage[]) =>
  messages.map((message) => (message.event.data as { n: number }).n);

/** Waits until the group's info says what `done` wants (the server's stats follow its work). */
async function infoUntil(
  groups: PersistentSubscriptions,
  stream: string,
  group: string,
  done: (info: PersistentSubscriptionInfo) => boolean,
) {
  for (;;) {
    const info = await groups.getGroupInfo(stream, group);
    if (done(info)) return info;
    await sleep(10);
  }
}

export function describePersistentSubscriptionContract(
  name: string,
  open: () => Promise<PersistentSubscriptionStoreUnderTest>,
): void {
  describe(`Persistent subscriptions contract: ${name}`, () => {
    let target: PersistentSubscriptionStoreUnderTest;
    let store: EventStore;
    let groups: PersistentSubscriptions;
    const elapse = () => target.elapse(TIMEOUT_MS);

    beforeAll(async () => {
      target = await open();
      store = target.store;
      const found = persistentSubscriptionsOf(store);
      if (!found) throw new Error(`${name} offers no persistent subscriptions`);
      groups = found;
    });
    afterAll(async () => target.close?.());

    const fresh = () => ({ stream: `psub-${randomUUID()}`, group: `group-${randomUUID()}` });
    const consumer = (stream: string, group: string, bufferSize = 10) =>
      new TestConsumer(groups.subscribe(stream, group, { bufferSize }));
    /** Subscribes and waits until the group counts the consumer (joining a server is asynchronous). */
    const connected = async (stream: string, group: string, bufferSize: number, count: number) => {
      const joined = consumer(stream, group, bufferSize);
      await infoUntil(groups, stream, group, (info) => info.consumers.length >= count);
      return joined;
    };

    describe('groups', () => {
      it('creates a group with the server defaults and lists it by its stream', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(stream, group, { maxRetryCount: 3 });
        const info = await groups.getGroupInfo(stream, group);
        expect(info).toMatchObject({
          streamName: stream,
          group,
          parkedMessageCount: 0n,
          totalInFlightMessages: 0,
          consumers: [],
        });
        expect(info.settings).toEqual({ ...DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS, maxRetryCount: 3 });
        expect((await groups.listGroups(stream)).map((listed) => listed.group)).toEqual([group]);
        expect((await groups.listGroups()).map((listed) => listed.group)).toContain(group);
      });

      it('lists the groups of the global log apart from the groups of streams', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(ALL_STREAM, group, { filter: { streamNamePrefixes: [stream] } });
        const onAll = await groups.listGroups(ALL_STREAM);
        expect(onAll.find((listed) => listed.group === group)?.streamName).toBe(ALL_STREAM);
        expect(await groups.listGroups(stream)).toEqual([]);
        await groups.deleteGroup(ALL_STREAM, group);
      });

      it('refuses a second group of one name on one stream, and takes the name on another stream', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(stream, group);
        const error = await groups.createGroup(stream, group).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PersistentSubscriptionExistsError);
        expect(error).toMatchObject({ code: 'MNEME_PERSISTENT_SUBSCRIPTION_EXISTS', streamName: stream, group });
        await expect(groups.createGroup(`${stream}-other`, group)).resolves.toBeUndefined();
      });

      it('answers PersistentSubscriptionNotFoundError for a group that does not exist', async () => {
        const { stream, group } = fresh();
        for (const call of [
          () => groups.updateGroup(stream, group),
          () => groups.deleteGroup(stream, group),
          () => groups.getGroupInfo(stream, group),
          () => groups.replayParkedMessages(stream, group),
        ]) {
          const error = await call().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(PersistentSubscriptionNotFoundError);
          expect(error).toMatchObject({ code: 'MNEME_PERSISTENT_SUBSCRIPTION_NOT_FOUND', streamName: stream, group });
        }
        expect(await consumer(stream, group).failure()).toBeInstanceOf(PersistentSubscriptionNotFoundError);
      });

      it('deletes a group: its consumers are dropped and the name is free again', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(stream, group);
        const dropped = await connected(stream, group, 10, 1);
        await groups.deleteGroup(stream, group);
        const error = await dropped.failure();
        expect(error).toBeInstanceOf(PersistentSubscriptionDroppedError);
        expect(error).toMatchObject({ code: 'MNEME_PERSISTENT_SUBSCRIPTION_DROPPED', streamName: stream, group });
        await expect(groups.getGroupInfo(stream, group)).rejects.toBeInstanceOf(PersistentSubscriptionNotFoundError);
        await expect(groups.createGroup(stream, group)).resolves.toBeUndefined();
      });

      it('drops the consumers of a group that is updated, and keeps the new settings', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(stream, group);
        const dropped = await connected(stream, group, 10, 1);
        await groups.updateGroup(stream, group, { maxRetryCount: 2, consumerStrategy: 'Pinned' });
        expect(await dropped.failure()).toBeInstanceOf(PersistentSubscriptionDroppedError);
        const { settings } = await groups.getGroupInfo(stream, group);
        expect(settings).toMatchObject({ maxRetryCount: 2, consumerStrategy: 'Pinned', messageTimeoutMs: 30_000 });
      });

      it('refuses a consumer beyond maxSubscriberCount', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(stream, group, { maxSubscriberCount: 1 });
        const first = await connected(stream, group, 10, 1);
        const error = await consumer(stream, group).failure();
        expect(error).toBeInstanceOf(PersistentSubscriptionMaxSubscribersError);
        expect(error).toMatchObject({
          code: 'MNEME_PERSISTENT_SUBSCRIPTION_MAX_SUBSCRIBERS',
          streamName: stream,
          group,
        });
        await first.leave();
      });

      const badSettings: [label: string, option: string, call: (stream: string, group: string) => Promise<unknown>][] =
        [
          [
            'a misspelt setting',
            'settings.maxRetryCnt',
            (s, g) => groups.createGroup(s, g, { maxRetryCnt: 1 } as never),
          ],
          [
            'a negative maxRetryCount',
            'settings.maxRetryCount',
            (s, g) => groups.createGroup(s, g, { maxRetryCount: -1 }),
          ],
          [
            'a message timeout of 0',
            'settings.messageTimeoutMs',
            (s, g) => groups.createGroup(s, g, { messageTimeoutMs: 0 }),
          ],
          [
            'an unknown strategy',
            'settings.consumerStrategy',
            (s, g) => groups.createGroup(s, g, { consumerStrategy: 'Random' as never }),
          ],
          [
            'a read batch as large as the history buffer',
            'settings.readBatchSize',
            (s, g) => groups.createGroup(s, g, { readBatchSize: 500 }),
          ],
          [
            'min checkpoint count above max',
            'settings.minCheckpointCount',
            (s, g) => groups.createGroup(s, g, { minCheckpointCount: 20, maxCheckpointCount: 10 }),
          ],
          [
            'a position to start a stream group',
            'settings.startFrom',
            (s, g) => groups.createGroup(s, g, { startFrom: { commit: 0n, prepare: 0n } }),
          ],
          [
            'a revision to start a group on the log',
            'settings.startFrom',
            (_s, g) => groups.createGroup(ALL_STREAM, g, { startFrom: 3n }),
          ],
          [
            'a filter on a stream group',
            'settings.filter',
            (s, g) => groups.createGroup(s, g, { filter: { streamNamePrefixes: ['a'] } }),
          ],
          [
            'an empty filter',
            'settings.filter.streamNamePrefixes',
            (_s, g) => groups.createGroup(ALL_STREAM, g, { filter: { streamNamePrefixes: [] } }),
          ],
          ['an empty group name', 'group', (s) => groups.createGroup(s, '')],
          [
            'a settings update with a typo',
            'settings.messageTimeout',
            (s, g) => groups.updateGroup(s, g, { messageTimeout: 5 } as never),
          ],
          [
            'a filter given to an update',
            'settings.filter',
            (s, g) => groups.updateGroup(s, g, { filter: { streamNamePrefixes: ['a'] } } as never),
          ],
          [
            'a replay with a negative stopAt',
            'replayParkedMessages.stopAt',
            (s, g) => groups.replayParkedMessages(s, g, { stopAt: -1 }),
          ],
        ];
      it.each(badSettings)('refuses %s before changing anything', async (_label, option, call) => {
        const { stream, group } = fresh();
        const error = await call(stream, group).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidPersistentSubscriptionSettingsError);
        expect(error).toBeInstanceOf(InvalidConfigurationError);
        expect(error).toMatchObject({ code: 'MNEME_INVALID_PERSISTENT_SUBSCRIPTION_SETTINGS', option });
        expect((await groups.listGroups()).some((listed) => listed.group === group)).toBe(false);
      });

      it('refuses a consumer buffer size of 0 and a nack with an unknown action', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(stream, group, { startFrom: 'start' });
        expect(() => groups.subscribe(stream, group, { bufferSize: 0 })).toThrow(
          InvalidPersistentSubscriptionSettingsError,
        );
        await store.appendToStream(stream, ticks(1));
        const one = consumer(stream, group);
        const [message] = await one.take(1);
        await expect(one.subscription.nack('stop' as never, 'no', message!)).rejects.toMatchObject({
          option: 'nack.action',
        });
        await message!.ack();
        await one.leave();
      });
    });

    describe('delivery', () => {
      it('starts from the start of the stream, its end, or a revision', async () => {
        const { stream } = fresh();
        await store.appendToStream(stream, ticks(3));
        await groups.createGroup(stream, 'from-start', { startFrom: 'start' });
        await groups.createGroup(stream, 'from-end');
        await groups.createGroup(stream, 'from-revision', { startFrom: 1n });
        await store.appendToStream(stream, ticks(1, 3));
        for (const [group, expected] of [
          ['from-start', [0, 1, 2, 3]],
          ['from-end', [3]],
          ['from-revision', [1, 2, 3]],
        ] as const) {
          const reader = consumer(stream, group);
          const messages = await reader.take(expected.length);
          expect(numbers(messages)).toEqual(expected);
          expect(messages.map((message) => message.retryCount)).toEqual(expected.map(() => 0));
          await reader.subscription.ack(...messages);
          await reader.leave();
        }
      });

      it('delivers what its filter selects from the global log, with positions', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(ALL_STREAM, group, {
          startFrom: 'start',
          filter: { streamNamePrefixes: [`${stream}-a`] },
        });
        await store.appendToStream(`${stream}-b`, ticks(2));
        await store.appendToStream(`${stream}-a`, ticks(2, 10));
        const reader = consumer(ALL_STREAM, group);
        const messages = await reader.take(2);
        expect(numbers(messages)).toEqual([10, 11]);
        expect(
          messages.every((message) => message.event.streamName === `${stream}-a` && message.position !== undefined),
        ).toBe(true);
        await reader.subscription.ack(...messages);
        await reader.leave();
        await groups.deleteGroup(ALL_STREAM, group);
      });

      it('starts a group on the global log at a position, inclusive', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(3));
        const positions = [];
        for await (const event of store.readAll({ filter: { streamNamePrefixes: [stream] } }))
          positions.push(event.position);
        await groups.createGroup(ALL_STREAM, group, {
          startFrom: positions[1]!,
          filter: { streamNamePrefixes: [stream] },
        });
        const reader = consumer(ALL_STREAM, group);
        const messages = await reader.take(2);
        expect(numbers(messages)).toEqual([1, 2]);
        await reader.subscription.ack(...messages);
        await reader.leave();
        await groups.deleteGroup(ALL_STREAM, group);
      });

      it('holds at most bufferSize unacked messages per consumer; an ack lets the next one through', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(5));
        await groups.createGroup(stream, group, { startFrom: 'start' });
        const reader = consumer(stream, group, 2);
        const first = await reader.take(2);
        const info = await infoUntil(groups, stream, group, (current) => current.totalInFlightMessages === 2);
        expect(info.consumers).toEqual([expect.objectContaining({ inFlightMessages: 2, availableSlots: 0 })]);
        await first[0]!.ack();
        expect(numbers(await reader.take(1))).toEqual([2]);
        await reader.leave();
      });

      it('competing consumers split the work: each message goes to one of them', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(10));
        await groups.createGroup(stream, group, { startFrom: 'start' });
        // A holds its one message: the next can only go to B.
        const a = await connected(stream, group, 1, 1);
        const [held] = await a.take(1);
        const b = await connected(stream, group, 1, 2);
        const seen = { a: [held!], b: [await b.next()] };
        await b.subscription.ack(seen.b[0]!);
        await held!.ack();
        // Both drain the rest, acking as they go.
        const drain = async (reader: TestConsumer, into: PersistentMessage[]) => {
          while (seen.a.length + seen.b.length < 10) {
            const message = await Promise.race([reader.next(), sleep(50).then(() => undefined)]);
            if (message === undefined) continue;
            into.push(message);
            await message.ack();
          }
        };
        await Promise.all([drain(a, seen.a), drain(b, seen.b)]);
        expect(numbers([...seen.a, ...seen.b]).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(seen.a.length).toBeGreaterThan(0);
        expect(seen.b.length).toBeGreaterThan(0);
        await a.leave();
        await b.leave();
      });

      it('a consumer that leaves without acking has its messages delivered to the others, retry count + 1', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(3));
        await groups.createGroup(stream, group, { startFrom: 'start' });
        const gone = consumer(stream, group, 10);
        expect(numbers(await gone.take(3))).toEqual([0, 1, 2]);
        const other = await connected(stream, group, 10, 2);
        await gone.leave();
        const again = await other.take(3);
        expect(numbers(again)).toEqual([0, 1, 2]);
        expect(again.map((message) => message.retryCount)).toEqual([1, 1, 1]);
        await other.subscription.ack(...again);
        await other.leave();
      });

      it('a consumer that stays connected and never acks has its messages delivered again after each timeout, retry count + 1, until the other handles them', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(3));
        await groups.createGroup(stream, group, {
          startFrom: 'start',
          messageTimeoutMs: TIMEOUT_MS,
          maxRetryCount: 100,
          consumerStrategy: 'RoundRobin',
        });
        const stalled = consumer(stream, group, 3);
        const deliveries = new Map<number, number[]>(); // each message's retry counts, as delivered to either
        const record = (message: PersistentMessage) =>
          deliveries.set(numbers([message])[0]!, [
            ...(deliveries.get(numbers([message])[0]!) ?? []),
            message.retryCount,
          ]);
        (await stalled.take(3)).forEach(record); // and never acked
        // It keeps reading (and never acks) what the group gives it again.
        const reading = (async () => {
          for (;;) record(await stalled.next());
        })().catch(() => undefined);
        const other = await connected(stream, group, 10, 2);
        const handled = new Set<number>();
        while (handled.size < 3) {
          const message = await other.next(elapse);
          record(message);
          handled.add(numbers([message])[0]!);
          await message.ack();
        }
        expect([...handled].sort()).toEqual([0, 1, 2]);
        for (const counts of deliveries.values()) {
          expect(counts[0]).toBe(0);
          expect([...counts].sort((a, b) => a - b)).toEqual(counts.map((_, retries) => retries));
        }
        expect((await groups.getGroupInfo(stream, group)).consumers).toHaveLength(2);
        await stalled.leave();
        await reading;
        await other.leave();
      });

      it('nack retry delivers again with retry count + 1, and parks after maxRetryCount retries', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(2));
        await groups.createGroup(stream, group, { startFrom: 'start', maxRetryCount: 2 });
        const reader = consumer(stream, group, 1);
        const counts: number[] = [];
        for (let delivery = 0; delivery < 3; delivery++) {
          const message = await reader.next();
          expect(numbers([message])).toEqual([0]);
          counts.push(message.retryCount);
          await message.nack('retry', 'try again');
        }
        expect(counts).toEqual([0, 1, 2]);
        const next = await reader.next(); // the first is parked now: the second flows
        expect(numbers([next])).toEqual([1]);
        await next.ack();
        expect(
          (await infoUntil(groups, stream, group, (info) => info.parkedMessageCount === 1n)).parkedMessageCount,
        ).toBe(1n);
        await reader.leave();
      });

      it('parks a message that times out more than maxRetryCount times while its consumer stays connected', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(1));
        await groups.createGroup(stream, group, { startFrom: 'start', messageTimeoutMs: TIMEOUT_MS, maxRetryCount: 2 });
        const reader = consumer(stream, group, 1);
        const counts = [(await reader.next()).retryCount];
        counts.push((await reader.next(elapse)).retryCount, (await reader.next(elapse)).retryCount);
        expect(counts).toEqual([0, 1, 2]);
        let info = await groups.getGroupInfo(stream, group);
        while (info.parkedMessageCount === 0n) {
          await elapse();
          await sleep(10);
          info = await groups.getGroupInfo(stream, group);
        }
        expect(info).toMatchObject({ parkedMessageCount: 1n, totalInFlightMessages: 0 });
        expect(info.consumers).toHaveLength(1);
        await reader.leave();
      });

      it('nack park parks at once, the rest flows, and replayParkedMessages delivers it again with retry count 0', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(3));
        await groups.createGroup(stream, group, { startFrom: 'start' });
        const reader = consumer(stream, group, 1);
        const poison = await reader.next();
        await poison.nack('park', 'cannot handle it yet');
        const rest = [await reader.next()];
        await rest[0]!.ack();
        rest.push(await reader.next());
        await rest[1]!.ack();
        expect(numbers(rest)).toEqual([1, 2]);
        expect(
          (await infoUntil(groups, stream, group, (info) => info.parkedMessageCount === 1n)).parkedMessageCount,
        ).toBe(1n);

        await groups.replayParkedMessages(stream, group);
        const replayed = await reader.next();
        expect(numbers([replayed])).toEqual([0]);
        expect(replayed.retryCount).toBe(0);
        await replayed.ack();
        expect(
          (await infoUntil(groups, stream, group, (info) => info.parkedMessageCount === 0n)).parkedMessageCount,
        ).toBe(0n);
        await reader.leave();
      });

      it('replays only the oldest parked messages up to stopAt', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(3));
        await groups.createGroup(stream, group, { startFrom: 'start' });
        const reader = consumer(stream, group, 3);
        await reader.subscription.nack('park', 'later', ...(await reader.take(3)));
        await infoUntil(groups, stream, group, (info) => info.parkedMessageCount === 3n);
        await groups.replayParkedMessages(stream, group, { stopAt: 2 });
        const replayed = await reader.take(2);
        expect(numbers(replayed)).toEqual([0, 1]);
        await reader.subscription.ack(...replayed);
        expect(
          (await infoUntil(groups, stream, group, (info) => info.parkedMessageCount === 1n)).parkedMessageCount,
        ).toBe(1n);
        await reader.leave();
      });

      it('nack skip drops the message as handled: neither delivered again nor parked', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(2));
        await groups.createGroup(stream, group, { startFrom: 'start' });
        const reader = consumer(stream, group, 1);
        await (await reader.next()).nack('skip', 'not for us');
        const next = await reader.next();
        expect(numbers([next])).toEqual([1]);
        await next.ack();
        const info = await infoUntil(groups, stream, group, (current) => current.totalInFlightMessages === 0);
        expect(info.parkedMessageCount).toBe(0n);
        await reader.leave();
      });
    });

    describe('consumer strategies', () => {
      it('Pinned keeps each stream on one consumer, in revision order', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(ALL_STREAM, group, {
          consumerStrategy: 'Pinned',
          filter: { streamNamePrefixes: [`${stream}-`] },
        });
        const a = await connected(ALL_STREAM, group, 5, 1);
        const b = await connected(ALL_STREAM, group, 5, 2);
        const streams = Array.from({ length: 12 }, (_, i) => `${stream}-${i}`);
        for (let round = 0; round < 4; round++)
          for (const name of streams) await store.appendToStream(name, ticks(1, round));
        const seen: [string, PersistentMessage][] = [];
        const drain = async (label: string, reader: TestConsumer) => {
          while (seen.length < 48) {
            const message = await Promise.race([reader.next(), sleep(50).then(() => undefined)]);
            if (message === undefined) continue;
            seen.push([label, message]);
            await message.ack();
          }
        };
        await Promise.all([drain('a', a), drain('b', b)]);
        for (const name of streams) {
          const ofStream = seen.filter(([, message]) => message.event.streamName === name);
          expect(new Set(ofStream.map(([label]) => label)).size).toBe(1);
          expect(numbers(ofStream.map(([, message]) => message))).toEqual([0, 1, 2, 3]);
        }
        await a.leave();
        await b.leave();
        await groups.deleteGroup(ALL_STREAM, group);
      });

      it('RoundRobin hands the messages out in turn', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(stream, group, { consumerStrategy: 'RoundRobin' });
        const a = await connected(stream, group, 10, 1);
        const b = await connected(stream, group, 10, 2);
        await store.appendToStream(stream, ticks(6));
        const [fromA, fromB] = await Promise.all([a.take(3), b.take(3)]);
        expect(numbers([...fromA, ...fromB]).sort()).toEqual([0, 1, 2, 3, 4, 5]);
        await a.leave();
        await b.leave();
      });

      it('DispatchToSingle fills one consumer before the next gets any', async () => {
        const { stream, group } = fresh();
        await groups.createGroup(stream, group, { consumerStrategy: 'DispatchToSingle' });
        const a = await connected(stream, group, 3, 1);
        const b = await connected(stream, group, 3, 2);
        await store.appendToStream(stream, ticks(5));
        const info = await infoUntil(groups, stream, group, (current) => current.totalInFlightMessages === 5);
        expect(info.consumers.map((one) => one.inFlightMessages).sort()).toEqual([2, 3]);
        const [first] = info.consumers[0]!.inFlightMessages === 3 ? [a, b] : [b, a];
        expect(numbers(await first!.take(3))).toEqual([0, 1, 2]);
        await a.leave();
        await b.leave();
      });
    });

    describe('checkpoints', () => {
      const checkpointing = { startFrom: 'start', minCheckpointCount: 1, maxCheckpointCount: 1 } as const;

      it('keeps its place while no consumer is connected', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(5));
        await groups.createGroup(stream, group, { startFrom: 'start' });
        const first = consumer(stream, group, 3);
        await first.subscription.ack(...(await first.take(3)));
        await first.leave();
        const second = consumer(stream, group, 3);
        expect(numbers(await second.take(2))).toEqual([3, 4]);
        await second.leave();
      });

      it('resumes from its checkpoint after an update: what was handled before it is not delivered again', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(10));
        await groups.createGroup(stream, group, checkpointing);
        const reader = consumer(stream, group, 10);
        const messages = await reader.take(10);
        await reader.subscription.ack(...messages.slice(0, 5));
        await infoUntil(groups, stream, group, (info) => info.lastCheckpoint === 4n);
        await groups.updateGroup(stream, group, checkpointing);
        expect(await reader.failure()).toBeInstanceOf(PersistentSubscriptionDroppedError);
        const resumed = consumer(stream, group, 10);
        expect(numbers(await resumed.take(5))).toEqual([5, 6, 7, 8, 9]);
        await resumed.leave();
      });

      it('resumes from its checkpoint after a restart of the subsystem', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(4));
        await groups.createGroup(stream, group, checkpointing);
        const reader = consumer(stream, group, 1);
        for (let i = 0; i < 2; i++) await (await reader.next()).ack();
        await infoUntil(groups, stream, group, (info) => info.lastCheckpoint === 1n);
        await groups.restartSubsystem();
        expect(await reader.failure()).toBeInstanceOf(PersistentSubscriptionDroppedError);
        const resumed = consumer(stream, group, 10);
        expect(numbers(await resumed.take(2))).toEqual([2, 3]);
        await resumed.leave();
      });

      it('checkpoints before the oldest message not yet handled', async () => {
        const { stream, group } = fresh();
        await store.appendToStream(stream, ticks(4));
        await groups.createGroup(stream, group, checkpointing);
        const reader = consumer(stream, group, 4);
        const [oldest, ...later] = await reader.take(4);
        await reader.subscription.ack(...later);
        await oldest!.ack();
        expect((await infoUntil(groups, stream, group, (info) => info.lastCheckpoint === 3n)).lastCheckpoint).toBe(3n);
        await reader.leave();
      });
    });
  });
}
