import {
  PersistentSubscriptionExistsError,
  PersistentSubscriptionMaxSubscribersError,
  PersistentSubscriptionNotFoundError,
} from '../errors/persistent-subscription-errors.js';
import { failedSubscription } from './in-memory-group-consumer.js';
import { InMemoryGroup, type GroupHost } from './in-memory-group.js';
import {
  resolveGroupSettings,
  resolveReplayOptions,
  resolveSubscribeOptions,
  validateGroupName,
} from './persistent-subscription-settings.js';
import { validateStreamName } from './event-validation.js';
import type {
  CreateGroupOptions,
  PersistentSubscription,
  PersistentSubscriptionInfo,
  PersistentSubscriptionSettings,
  PersistentSubscriptions,
  ReplayParkedOptions,
  SubscribeToGroupOptions,
} from './persistent-subscriptions.js';

export interface InMemoryPersistentSubscriptionsHost extends GroupHost {
  /** Calls `listener` after every append until the returned function is called. */
  onAppend(listener: () => void): () => void;
  /** How often (ms) message timeouts and timed checkpoints are checked while consumers are connected. */
  readonly timerIntervalMs: number;
}

/**
 * InMemoryEventStore's consumer groups, with KurrentDB's semantics (see InMemoryGroup). Every call
 * is asynchronous like a server's; arguments are checked before anything changes.
 */
export class InMemoryPersistentSubscriptions implements PersistentSubscriptions {
  readonly #groups = new Map<string, InMemoryGroup>();
  readonly #host: InMemoryPersistentSubscriptionsHost;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopListening: (() => void) | undefined;

  constructor(host: InMemoryPersistentSubscriptionsHost) {
    this.#host = host;
  }

  async createGroup(streamName: string, group: string, options: CreateGroupOptions = {}): Promise<void> {
    const { settings, filter } = resolveGroupSettings(streamName, group, options);
    await serverTurn();
    const key = groupKey(streamName, group);
    if (this.#groups.has(key)) throw new PersistentSubscriptionExistsError(streamName, group);
    this.#groups.set(key, new InMemoryGroup(streamName, group, settings, filter, this.#host));
    this.#stopListening ??= this.#host.onAppend(() => this.#pumpAll());
  }

  async updateGroup(
    streamName: string,
    group: string,
    settings: Partial<PersistentSubscriptionSettings> = {},
  ): Promise<void> {
    const resolved = resolveGroupSettings(streamName, group, settings, false).settings;
    await serverTurn();
    this.#group(streamName, group).restart(resolved, 'group updated');
    this.#updateTimer();
  }

  async deleteGroup(streamName: string, group: string): Promise<void> {
    validateGroupName(streamName, group);
    await serverTurn();
    this.#group(streamName, group).dropAll('group deleted');
    this.#groups.delete(groupKey(streamName, group));
    this.#updateTimer();
    if (this.#groups.size === 0) {
      this.#stopListening?.();
      this.#stopListening = undefined;
    }
  }

  async getGroupInfo(streamName: string, group: string): Promise<PersistentSubscriptionInfo> {
    validateGroupName(streamName, group);
    await serverTurn();
    return this.#group(streamName, group).info();
  }

  async listGroups(streamName?: string): Promise<PersistentSubscriptionInfo[]> {
    if (streamName !== undefined) validateStreamName(streamName);
    await serverTurn();
    return [...this.#groups.values()]
      .filter((group) => streamName === undefined || group.streamName === streamName)
      .map((group) => group.info());
  }

  subscribe(streamName: string, group: string, options: SubscribeToGroupOptions = {}): PersistentSubscription {
    validateGroupName(streamName, group);
    const { bufferSize } = resolveSubscribeOptions(options);
    const found = this.#groups.get(groupKey(streamName, group));
    if (found === undefined) return failedSubscription(new PersistentSubscriptionNotFoundError(streamName, group));
    const consumer = found.join(bufferSize);
    if (consumer === 'full') {
      const max = found.info().settings.maxSubscriberCount;
      return failedSubscription(
        new PersistentSubscriptionMaxSubscribersError(streamName, group, max === 'unbounded' ? undefined : max),
      );
    }
    this.#updateTimer();
    const subscription = consumer.subscription;
    // Leaving stops the timer when it was the last consumer.
    const unsubscribe = subscription.unsubscribe.bind(subscription);
    const iterate = subscription[Symbol.asyncIterator].bind(subscription);
    return {
      ack: subscription.ack.bind(subscription),
      nack: subscription.nack.bind(subscription),
      unsubscribe: async () => {
        await unsubscribe();
        this.#updateTimer();
      },
      [Symbol.asyncIterator]: () => {
        const iterator = iterate();
        return {
          next: () => iterator.next(),
          return: async () => {
            const result = (await iterator.return?.()) ?? { value: undefined, done: true as const };
            this.#updateTimer();
            return result;
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };
      },
    };
  }

  async replayParkedMessages(streamName: string, group: string, options: ReplayParkedOptions = {}): Promise<void> {
    validateGroupName(streamName, group);
    const { stopAt } = resolveReplayOptions(options);
    await serverTurn();
    this.#group(streamName, group).replayParked(stopAt);
  }

  async restartSubsystem(): Promise<void> {
    await serverTurn();
    for (const group of this.#groups.values()) group.restart(group.info().settings, 'subsystem restarted');
    this.#updateTimer();
  }

  #group(streamName: string, group: string): InMemoryGroup {
    const found = this.#groups.get(groupKey(streamName, group));
    if (found === undefined) throw new PersistentSubscriptionNotFoundError(streamName, group);
    return found;
  }

  #pumpAll(): void {
    for (const group of this.#groups.values()) group.pump();
  }

  /** The timer runs while some group has a consumer: a store nobody consumes from holds no timer. */
  #updateTimer(): void {
    const needed = [...this.#groups.values()].some((group) => group.consumerCount > 0);
    if (needed && this.#timer === undefined) {
      this.#timer = setInterval(() => {
        const now = this.#host.now();
        for (const group of this.#groups.values()) group.tick(now);
      }, this.#host.timerIntervalMs);
      this.#timer.unref();
    } else if (!needed && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

function groupKey(streamName: string, group: string): string {
  return `${streamName}\u0000${group}`;
}

/** A full event-loop turn, as a server round trip gives: timers (the group's timeouts) run between calls. */
function serverTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
