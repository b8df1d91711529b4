/** The server's consumer strategies: which consumer gets the next message (IPersistentSubscriptionConsumerStrategy). */
import { availableSlots, type Consumer } from './psub-consumer.js';
import type { ConsumerStrategyName } from './psub-settings.js';
import type { GroupMessage } from './psub-message.js';

/** `sent` to a consumer; `skipped` when the consumer it is pinned to is full (it waits in retry);
 * `no-capacity` when nobody can take anything: stop pushing. */
export type PushResult =
  | { readonly kind: 'sent'; readonly consumer: Consumer }
  | { readonly kind: 'skipped' }
  | { readonly kind: 'no-capacity' };

export interface ConsumerStrategy {
  added(consumer: Consumer): void;
  removed(consumer: Consumer): void;
  choose(message: GroupMessage): PushResult;
}

const NO_CAPACITY: PushResult = { kind: 'no-capacity' };

/** Fills the consumer at the head of the queue; a full one goes to the back (the server's peek/rotate loop). */
function dispatchToSingle(): ConsumerStrategy {
  const queue: Consumer[] = [];
  return {
    added: (consumer) => void queue.push(consumer),
    removed: (consumer) => void queue.splice(queue.indexOf(consumer), 1),
    choose: () => {
      for (let i = 0; i < queue.length; i += 1) {
        const head = queue[0]!;
        if (availableSlots(head) > 0) return { kind: 'sent', consumer: head };
        queue.push(queue.shift()!);
      }
      return NO_CAPACITY;
    },
  };
}

/** Each message to the next consumer in turn that has room (the server's dequeue/enqueue loop). */
function roundRobin(): ConsumerStrategy {
  const queue: Consumer[] = [];
  return {
    added: (consumer) => void queue.push(consumer),
    removed: (consumer) => void queue.splice(queue.indexOf(consumer), 1),
    choose: () => {
      for (let i = 0; i < queue.length; i += 1) {
        const consumer = queue.shift()!;
        queue.push(consumer);
        if (availableSlots(consumer) > 0) return { kind: 'sent', consumer };
      }
      return NO_CAPACITY;
    },
  };
}

const BUCKETS = 1024;

/** A stream's messages always go to the consumer its hash bucket is assigned to; a bucket is given
 * to the consumer holding the fewest buckets, and freed when that consumer leaves. */
function pinned(sourceOf: (message: GroupMessage) => string): ConsumerStrategy {
  const consumers: Consumer[] = [];
  const assignments = new Array<Consumer | undefined>(BUCKETS);
  const owned = new Map<Consumer, number>();
  return {
    added: (consumer) => {
      consumers.push(consumer);
      owned.set(consumer, 0);
    },
    removed: (consumer) => {
      consumers.splice(consumers.indexOf(consumer), 1);
      owned.delete(consumer);
      for (let bucket = 0; bucket < BUCKETS; bucket += 1)
        if (assignments[bucket] === consumer) assignments[bucket] = undefined;
    },
    choose: (message) => {
      if (!consumers.some((consumer) => availableSlots(consumer) > 0)) return NO_CAPACITY;
      const bucket = hash(sourceOf(message)) % BUCKETS;
      let consumer = assignments[bucket];
      if (!consumer) {
        consumer = consumers.reduce((least, candidate) =>
          owned.get(candidate)! < owned.get(least)! ? candidate : least,
        );
        assignments[bucket] = consumer;
        owned.set(consumer, owned.get(consumer)! + 1);
      }
      return availableSlots(consumer) > 0 ? { kind: 'sent', consumer } : { kind: 'skipped' };
    },
  };
}

/** FNV-1a: any stable hash pins the same way; which consumer gets which stream is not part of the contract. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) value = Math.imul(value ^ byte, 0x01000193) >>> 0;
  return value;
}

/** The stream an event came from; an unresolved link pins by the stream it points into. */
function sourceStreamOf(message: GroupMessage): string {
  const record = message.resolved.event ?? message.resolved.link ?? message.record;
  if (record.type === '$>') {
    const data = Buffer.from(record.data).toString('utf8');
    const at = data.indexOf('@');
    return at === -1 ? data : data.slice(at + 1);
  }
  return record.stream;
}

function correlationOf(message: GroupMessage): string {
  const record = message.resolved.event ?? message.record;
  try {
    const metadata = JSON.parse(Buffer.from(record.customMetadata).toString('utf8')) as { $correlationId?: unknown };
    if (typeof metadata.$correlationId === 'string') return metadata.$correlationId;
  } catch {
    // Not JSON: fall back to the stream, as the server does.
  }
  return sourceStreamOf(message);
}

export function consumerStrategy(name: ConsumerStrategyName): ConsumerStrategy {
  switch (name) {
    case 'DispatchToSingle':
      return dispatchToSingle();
    case 'RoundRobin':
      return roundRobin();
    case 'Pinned':
      return pinned(sourceStreamOf);
    case 'PinnedByCorrelation':
      return pinned(correlationOf);
  }
}
