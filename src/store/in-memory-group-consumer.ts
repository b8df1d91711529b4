import { validateNack } from './persistent-subscription-settings.js';
import type { StrategyConsumer } from './consumer-strategies.js';
import type {
  NackAction,
  PersistentConsumerInfo,
  PersistentMessage,
  PersistentSubscription,
} from './persistent-subscriptions.js';

/** What a consumer tells its group. */
export interface ConsumerOwner<P> {
  ack(message: PersistentMessage): void;
  nack(message: PersistentMessage, action: NackAction, reason: string): void;
  leave(consumer: GroupConsumer<P>): void;
}

const DONE: IteratorResult<PersistentMessage> = Object.freeze({ value: undefined, done: true });

/**
 * One consumer of a group: what the group pushed to it waits in its queue until iterated (as in a
 * client's stream buffer); its in-flight messages, bounded by its buffer size, are those not yet
 * acked, nacked or timed out.
 */
export class GroupConsumer<P> implements StrategyConsumer {
  readonly inFlight = new Set<P>();
  readonly subscription: PersistentSubscription;
  #queue: PersistentMessage[] = [];
  #waiter:
    { resolve: (result: IteratorResult<PersistentMessage>) => void; reject: (error: unknown) => void } | undefined;
  #error: Error | undefined;
  #closed = false;
  #totalItems = 0n;

  constructor(
    readonly id: number,
    readonly bufferSize: number,
    owner: ConsumerOwner<P>,
  ) {
    this.subscription = consumerSubscription(this, owner);
  }

  hasRoom(): boolean {
    return this.inFlight.size < this.bufferSize;
  }

  deliver(pending: P, message: PersistentMessage): void {
    this.inFlight.add(pending);
    this.#totalItems++;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ value: message, done: false });
    } else {
      this.#queue.push(message);
    }
  }

  release(pending: P): void {
    this.inFlight.delete(pending);
  }

  /** The store ended this consumer: the iteration fails with `error` (what was queued is dropped). */
  fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter.reject(error);
    else this.#error = error;
  }

  /** The consumer left by itself. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(DONE);
  }

  get closed(): boolean {
    return this.#closed;
  }

  next(): Promise<IteratorResult<PersistentMessage>> {
    if (this.#error) {
      const error = this.#error;
      this.#error = undefined;
      return Promise.reject(error);
    }
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.#closed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  info(): PersistentConsumerInfo {
    return {
      connectionName: `consumer-${this.id}`,
      inFlightMessages: this.inFlight.size,
      availableSlots: Math.max(0, this.bufferSize - this.inFlight.size),
      totalItems: this.#totalItems,
    };
  }
}

function consumerSubscription<P>(consumer: GroupConsumer<P>, owner: ConsumerOwner<P>): PersistentSubscription {
  const leave = () => {
    if (consumer.closed) return;
    consumer.close();
    owner.leave(consumer);
  };
  const iterator: AsyncIterableIterator<PersistentMessage> = {
    next: () => consumer.next(),
    return: async () => {
      leave();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    async ack(...messages: PersistentMessage[]) {
      for (const message of messages) owner.ack(message);
    },
    async nack(action: NackAction, reason: string, ...messages: PersistentMessage[]) {
      validateNack(action, reason);
      for (const message of messages) owner.nack(message, action, reason);
    },
    async unsubscribe() {
      leave();
    },
    [Symbol.asyncIterator]: () => iterator,
  };
}

/** A consumer that could not join (no such group, or a full one): its iteration fails at once. */
export function failedSubscription(error: Error): PersistentSubscription {
  let failed = false;
  const iterator: AsyncIterableIterator<PersistentMessage> = {
    next: async () => {
      if (failed) return DONE;
      failed = true;
      throw error;
    },
    return: async () => DONE,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    ack: async () => undefined,
    nack: async (action: NackAction, reason: string) => validateNack(action, reason),
    unsubscribe: async () => undefined,
    [Symbol.asyncIterator]: () => iterator,
  };
}
