import type { EventStore, PersistentMessage, PersistentSubscription, PersistentSubscriptions } from 'mneme';
import { ForwardingEventStore } from '../../src/testing/forwarding-event-store.js';

/**
 * A store whose persistent-subscription consumers can be killed as a crashed app instance's are:
 * `kill()` drops every consumer it handed out without acking what they hold (the group takes those
 * messages back), and from then on its acks, nacks and new consumers go nowhere (a dead connection).
 */
export class KillableConsumersStore extends ForwardingEventStore {
  readonly persistentSubscriptions: PersistentSubscriptions;
  #dead = false;
  readonly #consumers = new Set<PersistentSubscription>();

  constructor(inner: EventStore & { readonly persistentSubscriptions: PersistentSubscriptions }) {
    super(inner);
    const groups = inner.persistentSubscriptions;
    this.persistentSubscriptions = {
      createGroup: (...args) => groups.createGroup(...args),
      updateGroup: (...args) => groups.updateGroup(...args),
      deleteGroup: (...args) => groups.deleteGroup(...args),
      getGroupInfo: (...args) => groups.getGroupInfo(...args),
      listGroups: (...args) => groups.listGroups(...args),
      replayParkedMessages: (...args) => groups.replayParkedMessages(...args),
      restartSubsystem: () => groups.restartSubsystem(),
      subscribe: (streamName: string, group: string, options?: { bufferSize?: number }): PersistentSubscription => {
        if (this.#dead) return deadConsumer();
        const consumer = groups.subscribe(streamName, group, options);
        this.#consumers.add(consumer);
        return {
          [Symbol.asyncIterator]: () => this.#guardedMessages(consumer),
          ack: async (...messages: PersistentMessage[]) => {
            if (!this.#dead) await consumer.ack(...messages);
          },
          nack: async (action, reason, ...messages: PersistentMessage[]) => {
            if (!this.#dead) await consumer.nack(action, reason, ...messages);
          },
          unsubscribe: () => consumer.unsubscribe(),
        };
      },
    };
  }

  async kill(): Promise<void> {
    this.#dead = true;
    await Promise.all([...this.#consumers].map((consumer) => consumer.unsubscribe()));
  }

  async *#guardedMessages(consumer: PersistentSubscription): AsyncGenerator<PersistentMessage> {
    for await (const message of consumer) {
      if (this.#dead) return;
      yield this.#guarded(message);
    }
  }

  #guarded(message: PersistentMessage): PersistentMessage {
    return {
      ...message,
      event: message.event,
      retryCount: message.retryCount,
      ack: async () => {
        if (!this.#dead) await message.ack();
      },
      nack: async (action, reason) => {
        if (!this.#dead) await message.nack(action, reason);
      },
    };
  }
}

/** A consumer on a dead connection: it fails at once. */
function deadConsumer(): PersistentSubscription {
  return {
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('the connection is gone (killed)')) }),
    ack: () => Promise.resolve(),
    nack: () => Promise.resolve(),
    unsubscribe: () => Promise.resolve(),
  };
}
