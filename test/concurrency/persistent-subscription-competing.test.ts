import { describe, expect, it } from '@jest/globals';
import { ALL_STREAM, InMemoryEventStore, type PersistentSubscription } from 'mneme';

const STREAMS = 1_000;
const EVENTS_PER_STREAM = 10;
const CONSUMERS = 4;

/** Handles messages until `handled` counts every event, acking each after a turn (a handler's await). */
async function consume(
  subscription: PersistentSubscription,
  handled: Map<string, number[]>,
  label: string,
  byConsumer: Map<string, number>,
) {
  const iterator = subscription[Symbol.asyncIterator]();
  let total = 0;
  while ([...handled.values()].reduce((sum, seen) => sum + seen.length, 0) < STREAMS * EVENTS_PER_STREAM) {
    const next = await Promise.race([
      iterator.next(),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20)),
    ]);
    if (next === undefined || next.done) continue;
    const { event } = next.value;
    await new Promise((resolve) => setImmediate(resolve));
    const seen = handled.get(event.streamName) ?? [];
    seen.push(Number(event.revision));
    handled.set(event.streamName, seen);
    byConsumer.set(label, (byConsumer.get(label) ?? 0) + 1);
    await next.value.ack();
    total++;
  }
  await iterator.return?.();
  return total;
}

describe('persistent subscriptions with competing consumers', () => {
  it(`${CONSUMERS} consumers of a Pinned group over ${STREAMS * EVENTS_PER_STREAM} events in ${STREAMS} streams share the work, each stream in order`, async () => {
    const store = new InMemoryEventStore();
    const groups = store.persistentSubscriptions;
    await groups.createGroup(ALL_STREAM, 'workers', {
      startFrom: 'start',
      consumerStrategy: 'Pinned',
      filter: { streamNamePrefixes: ['order-'] },
    });
    const handled = new Map<string, number[]>();
    const byConsumer = new Map<string, number>();
    const consumers = Array.from({ length: CONSUMERS }, (_, i) =>
      consume(groups.subscribe(ALL_STREAM, 'workers', { bufferSize: 10 }), handled, `c${i}`, byConsumer),
    );
    // Writers append while the consumers run, interleaving the streams.
    const writers = Array.from({ length: 4 }, async (_, writer) => {
      for (let round = 0; round < EVENTS_PER_STREAM; round++) {
        for (let stream = writer; stream < STREAMS; stream += 4)
          await store.appendToStream(`order-${stream}`, [{ type: 'Placed', data: { round } }]);
      }
    });
    await Promise.all([...writers, ...consumers]);

    expect(handled.size).toBe(STREAMS);
    for (const revisions of handled.values())
      expect(revisions).toEqual(Array.from({ length: EVENTS_PER_STREAM }, (_, i) => i));
    expect([...byConsumer.keys()].sort()).toEqual(['c0', 'c1', 'c2', 'c3']);
    console.info('work split across consumers', Object.fromEntries([...byConsumer].sort()));
  });
});
