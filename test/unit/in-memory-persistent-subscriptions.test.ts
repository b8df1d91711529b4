import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import {
  ALL_STREAM,
  InMemoryEventStore,
  InvalidConfigurationError,
  checkpointStreamName,
  parkedStreamName,
  type PersistentMessage,
  type PersistentSubscription,
} from 'mneme';
import { ManualClock } from 'mneme/testing';
import { collect } from '../support/collect.js';

const ticks = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({ type: 'Tick', data: { n: from + i } }));
const n = (message: PersistentMessage) => (message.event.data as { n: number }).n;

function setup() {
  const clock = new ManualClock(0);
  const store = new InMemoryEventStore({ clock, timerIntervalMs: 1 });
  return { clock, store, groups: store.persistentSubscriptions };
}

async function take(subscription: PersistentSubscription, count: number): Promise<PersistentMessage[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  const messages: PersistentMessage[] = [];
  while (messages.length < count) {
    const result = await iterator.next();
    if (result.done) throw new Error('the subscription ended');
    messages.push(result.value);
  }
  return messages;
}

/** Lets the store's timer look at the (manual) clock. */
const timerTurn = () => sleep(20);

describe('InMemoryEventStore persistent subscriptions', () => {
  it('parks into the server parked stream, as a link to the event, with the reason', async () => {
    const { store, groups } = setup();
    await store.appendToStream('orders', ticks(2));
    await groups.createGroup('orders', 'billing', { startFrom: 'start' });
    const consumer = groups.subscribe('orders', 'billing', { bufferSize: 1 });
    const [poison] = await take(consumer, 1);
    await poison!.nack('park', 'bad amount');
    await take(consumer, 1); // the next one flows while the first is parked
    await timerTurn();
    const parked = await collect(store.readStream(parkedStreamName('orders', 'billing')));
    expect(parkedStreamName('orders', 'billing')).toBe('$persistentsubscription-orders::billing-parked');
    expect(parked.map(({ type, data, metadata }) => ({ type, data, metadata }))).toEqual([
      { type: '$>', data: '0@orders', metadata: { reason: 'bad amount' } },
    ]);
    // System streams stay out of the global log.
    expect((await collect(store.readAll())).map((event) => event.streamName)).toEqual(['orders', 'orders']);
    await consumer.unsubscribe();
  });

  it('resolves links when resolveLinkTos is set, and delivers a link to nothing as the link', async () => {
    const { store, groups } = setup();
    await store.appendToStream('account-1', ticks(1, 7));
    await store.appendToStream('links', [
      { type: '$>', data: '0@account-1' },
      { type: '$>', data: '5@account-1' },
    ]);
    await groups.createGroup('links', 'resolved', {
      startFrom: 'start',
      resolveLinkTos: true,
      consumerStrategy: 'Pinned',
    });
    await groups.createGroup('links', 'raw', { startFrom: 'start' });
    const [resolved, dangling] = await take(groups.subscribe('links', 'resolved'), 2);
    expect(resolved!.event).toMatchObject({ streamName: 'account-1', revision: 0n, data: { n: 7 } });
    expect(resolved!.link).toMatchObject({ streamName: 'links', revision: 0n, type: '$>' });
    // A link to nothing is delivered as the link itself, as the server does.
    expect(dangling!.event).toMatchObject({ streamName: 'links', revision: 1n, type: '$>' });
    expect(dangling!.link).toBeUndefined();
    const [raw] = await take(groups.subscribe('links', 'raw'), 1);
    expect(raw!.event).toMatchObject({ streamName: 'links', type: '$>', data: '0@account-1' });
  });

  it('never checkpoints past a message not yet handled', async () => {
    const { store, groups } = setup();
    await store.appendToStream('s', ticks(4));
    await groups.createGroup('s', 'g', { startFrom: 'start', minCheckpointCount: 1, maxCheckpointCount: 1 });
    const consumer = groups.subscribe('s', 'g', { bufferSize: 4 });
    const [oldest, ...later] = await take(consumer, 4);
    await consumer.ack(...later);
    expect((await groups.getGroupInfo('s', 'g')).lastCheckpoint).toBeUndefined();
    await oldest!.ack();
    expect((await groups.getGroupInfo('s', 'g')).lastCheckpoint).toBe(3n);
    await timerTurn();
    const written = await collect(store.readStream(checkpointStreamName('s', 'g')));
    expect(written.map(({ type, data }) => ({ type, data }))).toEqual([{ type: '$SubscriptionCheckpoint', data: '3' }]);
    await consumer.unsubscribe();
  });

  it('writes a timed checkpoint after checkpointAfterMs once minCheckpointCount messages are handled, and not before', async () => {
    const { clock, store, groups } = setup();
    await store.appendToStream('s', ticks(3));
    await groups.createGroup('s', 'g', {
      startFrom: 'start',
      checkpointAfterMs: 1_000,
      minCheckpointCount: 2,
      maxCheckpointCount: 100,
    });
    const consumer = groups.subscribe('s', 'g', { bufferSize: 1 });
    const [first] = await take(consumer, 1);
    await first!.ack();
    clock.advance(1_000);
    await timerTurn();
    expect((await groups.getGroupInfo('s', 'g')).lastCheckpoint).toBeUndefined(); // one handled, two needed
    const [second] = await take(consumer, 1);
    await second!.ack();
    expect((await groups.getGroupInfo('s', 'g')).lastCheckpoint).toBeUndefined(); // not before the timer
    clock.advance(1_000);
    await timerTurn();
    expect((await groups.getGroupInfo('s', 'g')).lastCheckpoint).toBe(1n);
    await consumer.unsubscribe();
  });

  it('does not time a message out before messageTimeoutMs has passed on its clock', async () => {
    const { clock, store, groups } = setup();
    await store.appendToStream('s', ticks(1));
    await groups.createGroup('s', 'g', { startFrom: 'start', messageTimeoutMs: 5_000 });
    const consumer = groups.subscribe('s', 'g', { bufferSize: 1 });
    await take(consumer, 1);
    clock.advance(4_999);
    await timerTurn();
    expect((await groups.getGroupInfo('s', 'g')).totalInFlightMessages).toBe(1);
    clock.advance(1);
    const [again] = await take(consumer, 1);
    expect(again!.retryCount).toBe(1);
    await consumer.unsubscribe();
  });

  it('ignores a late ack of a message already delivered again, and an ack of a message of another group', async () => {
    const { clock, store, groups } = setup();
    await store.appendToStream('s', ticks(2));
    await groups.createGroup('s', 'g', { startFrom: 'start', messageTimeoutMs: 1_000 });
    await groups.createGroup('s', 'other', { startFrom: 'start' });
    const consumer = groups.subscribe('s', 'g', { bufferSize: 1 });
    const other = groups.subscribe('s', 'other', { bufferSize: 1 });
    const [first] = await take(consumer, 1);
    const [foreign] = await take(other, 1);
    await consumer.ack(foreign!); // not this group's: nothing happens
    expect((await groups.getGroupInfo('s', 'other')).totalInFlightMessages).toBe(1);
    clock.advance(1_000);
    const [again] = await take(consumer, 1);
    expect(n(again!)).toBe(0);
    await first!.ack(); // acks the event, whichever delivery it came through (as the server, by event id)
    const [next] = await take(consumer, 1);
    expect(n(next!)).toBe(1);
    await again!.ack(); // already handled: ignored
    expect((await groups.getGroupInfo('s', 'g')).totalInFlightMessages).toBe(1);
    await consumer.unsubscribe();
    await other.unsubscribe();
  });

  it('under Pinned, a stream waits for its full consumer while other streams flow to the others', async () => {
    const { store, groups } = setup();
    await groups.createGroup(ALL_STREAM, 'g', { consumerStrategy: 'Pinned', filter: { streamNamePrefixes: ['p-'] } });
    const a = groups.subscribe(ALL_STREAM, 'g', { bufferSize: 1 });
    const b = groups.subscribe(ALL_STREAM, 'g', { bufferSize: 1 });
    await store.appendToStream('p-1', ticks(2));
    await store.appendToStream('p-2', ticks(1, 10));
    const [fromA] = await take(a, 1);
    const [fromB] = await take(b, 1);
    expect([fromA!.event.streamName, fromB!.event.streamName]).toEqual(['p-1', 'p-2']);
    await fromB!.ack(); // b has room, but p-1's second event waits for a
    expect((await groups.getGroupInfo(ALL_STREAM, 'g')).consumers.map((consumer) => consumer.inFlightMessages)).toEqual(
      [1, 0],
    );
    await fromA!.ack();
    const [secondOfP1] = await take(a, 1);
    expect([secondOfP1!.event.streamName, n(secondOfP1!)]).toEqual(['p-1', 1]);
    await a.unsubscribe();
    await b.unsubscribe();
  });

  it('parks what a leaving consumer held once its retries are spent', async () => {
    const { store, groups } = setup();
    await store.appendToStream('s', ticks(1));
    await groups.createGroup('s', 'g', { startFrom: 'start', maxRetryCount: 0 });
    const leaving = groups.subscribe('s', 'g');
    await take(leaving, 1);
    await leaving.unsubscribe();
    expect(await groups.getGroupInfo('s', 'g')).toMatchObject({ parkedMessageCount: 1n, totalInFlightMessages: 0 });
  });

  it('keeps appending and delivering when the clock it was given throws or answers nonsense', async () => {
    let calls = 0;
    const clock = {
      now: (): number => {
        calls++;
        if (calls % 2 === 0) throw new Error('clock broke');
        return Number.NaN;
      },
    };
    const store = new InMemoryEventStore({ clock, timerIntervalMs: 1 });
    await store.persistentSubscriptions.createGroup('s', 'g', { startFrom: 'start' });
    const consumer = store.persistentSubscriptions.subscribe('s', 'g', { bufferSize: 1 });
    await store.appendToStream('s', ticks(2));
    const [first] = await take(consumer, 1);
    await timerTurn(); // the timer reads the clock too
    await first!.ack();
    expect(n((await take(consumer, 1))[0]!)).toBe(1);
    expect(calls).toBeGreaterThan(0);
    await consumer.unsubscribe();
  });

  it('refuses a clock without now() and a timer interval below 1 ms', () => {
    expect(() => new InMemoryEventStore({ clock: {} as never })).toThrow(InvalidConfigurationError);
    expect(() => new InMemoryEventStore({ timerIntervalMs: 0 })).toThrow(InvalidConfigurationError);
  });
});
