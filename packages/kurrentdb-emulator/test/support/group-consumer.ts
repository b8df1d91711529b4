/** A member of a persistent subscription group, through the real client: records what it was
 * sent, acks (or not) as told, and waits for conditions. */
import type {
  PersistentSubscriptionBase,
  PersistentSubscriptionToAllResolvedEvent,
  PersistentSubscriptionToStreamResolvedEvent,
} from '@kurrent/kurrentdb-client';

/** What a group delivers, from a stream group or a `$all` group. */
export type GroupEvent = PersistentSubscriptionToStreamResolvedEvent | PersistentSubscriptionToAllResolvedEvent;

export type AckPolicy = 'ack' | 'hold';

export class GroupConsumer {
  readonly received: GroupEvent[] = [];
  confirmed = false;
  error: Error | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly subscription: PersistentSubscriptionBase<GroupEvent>,
    public policy: AckPolicy = 'ack',
  ) {
    subscription
      .on('confirmation', () => this.#update(() => (this.confirmed = true)))
      .on('data', (event: GroupEvent) => {
        this.#update(() => this.received.push(event));
        if (this.policy === 'ack')
          void subscription.ack(event).catch((error: Error) => this.#update(() => (this.error = error)));
      })
      .on('error', (error: Error) => this.#update(() => (this.error = error)));
  }

  /** Revisions of the original events received, in arrival order. */
  get revisions(): bigint[] {
    return this.received.map(({ event }) => event!.revision);
  }

  async until(condition: (consumer: this) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (condition(this)) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition(this)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${what} (received ${this.received.length}, error ${String(this.error)})`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  untilConfirmed(): Promise<void> {
    return this.until((consumer) => consumer.confirmed, 'the subscription confirmation');
  }

  untilError(): Promise<Error> {
    return this.until((consumer) => consumer.error !== undefined, 'an error').then(() => this.error!);
  }

  async close(): Promise<void> {
    await this.subscription.unsubscribe();
  }

  #update(change: () => void): void {
    change();
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Polls an async probe until it holds; for server state the client is not told about (checkpoints, parked counts). */
export async function eventually<T>(
  probe: () => Promise<T>,
  holds: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (holds(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value ${String(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
