import type { ConsumerStrategy } from './persistent-subscriptions.js';

/** What a strategy needs to know of a consumer. */
export interface StrategyConsumer {
  readonly id: number;
  hasRoom(): boolean;
}

/**
 * Which consumer gets a message, as KurrentDB's strategies decide: `undefined` when no consumer has
 * room (stop dispatching), `'skip'` when the message must wait for one full consumer while later
 * messages may still go to others (Pinned).
 */
export interface DispatchStrategy<C extends StrategyConsumer> {
  pick(consumers: readonly C[], affinityKey: string): C | 'skip' | undefined;
  /** A consumer left: forget what was assigned to it. */
  removed(consumer: C): void;
}

export function dispatchStrategy<C extends StrategyConsumer>(name: ConsumerStrategy): DispatchStrategy<C> {
  switch (name) {
    case 'RoundRobin':
      return new RoundRobin<C>();
    case 'DispatchToSingle':
      return new DispatchToSingle<C>();
    case 'Pinned':
      return new Pinned<C>();
  }
}

/** Each message to the next consumer with room, in turn. */
class RoundRobin<C extends StrategyConsumer> implements DispatchStrategy<C> {
  #next = 0;

  pick(consumers: readonly C[]): C | undefined {
    for (let tried = 0; tried < consumers.length; tried++) {
      const index = (this.#next + tried) % consumers.length;
      const consumer = consumers[index]!;
      if (consumer.hasRoom()) {
        this.#next = index + 1;
        return consumer;
      }
    }
    return undefined;
  }

  removed(): void {}
}

/** Fill the first connected consumer, then the next. */
class DispatchToSingle<C extends StrategyConsumer> implements DispatchStrategy<C> {
  pick(consumers: readonly C[]): C | undefined {
    return consumers.find((consumer) => consumer.hasRoom());
  }

  removed(): void {}
}

/** As the server: streams hash into a fixed number of buckets, so the assignments stay bounded. */
const PINNED_BUCKETS = 1024;

/**
 * Per-stream affinity: each stream hashes to a bucket, a bucket is assigned to one consumer (the one
 * with the fewest buckets when the bucket is first needed) and stays with it while it is connected;
 * its messages wait for that consumer.
 */
class Pinned<C extends StrategyConsumer> implements DispatchStrategy<C> {
  readonly #assigned: (C | undefined)[] = new Array<C | undefined>(PINNED_BUCKETS);
  readonly #load = new Map<number, number>();

  pick(consumers: readonly C[], affinityKey: string): C | 'skip' | undefined {
    if (consumers.length === 0) return undefined;
    const bucket = bucketOf(affinityKey);
    let consumer = this.#assigned[bucket];
    if (consumer === undefined) {
      consumer = consumers.reduce((least, candidate) =>
        this.#loadOf(candidate) < this.#loadOf(least) ? candidate : least,
      );
      this.#assigned[bucket] = consumer;
      this.#load.set(consumer.id, this.#loadOf(consumer) + 1);
    }
    return consumer.hasRoom() ? consumer : 'skip';
  }

  removed(consumer: C): void {
    for (let bucket = 0; bucket < PINNED_BUCKETS; bucket++)
      if (this.#assigned[bucket] === consumer) this.#assigned[bucket] = undefined;
    this.#load.delete(consumer.id);
  }

  #loadOf(consumer: C): number {
    return this.#load.get(consumer.id) ?? 0;
  }
}

/** FNV-1a over the stream name's UTF-16 units: stable, and spreads similar names apart. */
function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PINNED_BUCKETS;
}
