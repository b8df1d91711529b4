/** Small helpers over the real client for the conformance suite. */
import type {
  CatchupSubscription,
  KurrentDBClient,
  ReadableSubscription,
  ReadStreamOptions,
} from '@kurrent/kurrentdb-client';
import { jsonEvent } from '@kurrent/kurrentdb-client';
import { collect } from './collect.js';

export { collect };

/** The recorded events of a stream, in the order the read returns them. */
export async function readEvents(client: KurrentDBClient, stream: string, options?: ReadStreamOptions) {
  const resolved = await collect(client.readStream(stream, options));
  return resolved.map(({ event }) => event);
}

export async function readRevisions(
  client: KurrentDBClient,
  stream: string,
  options?: ReadStreamOptions,
): Promise<bigint[]> {
  const events = await readEvents(client, stream, options);
  return events.map((event) => event!.revision);
}

export const testEvent = (type = 'TestEvent', data: Record<string, unknown> = { at: Date.now() }) =>
  jsonEvent({ type, data });

export const testEvents = (count: number, type = 'TestEvent') =>
  Array.from({ length: count }, (_, index) => jsonEvent({ type, data: { index } }));

/** Records everything a subscription emits, and waits for conditions with a timeout. */
export class SubscriptionProbe<E> {
  readonly events: E[] = [];
  confirmed = false;
  caughtUp = false;
  /** Number of events received before `caughtUp` was emitted. */
  eventsBeforeCaughtUp: number | undefined;
  error: Error | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(readonly subscription: ReadableSubscription<E> & CatchupSubscription) {
    subscription
      .on('confirmation', () => this.#update(() => (this.confirmed = true)))
      .on('caughtUp', () =>
        this.#update(() => {
          this.caughtUp = true;
          this.eventsBeforeCaughtUp ??= this.events.length;
        }),
      )
      .on('data', (event: E) => this.#update(() => this.events.push(event)))
      .on('error', (error: Error) => this.#update(() => (this.error = error)));
  }

  async until(condition: (probe: this) => boolean, what: string, timeoutMs = 3000): Promise<void> {
    if (condition(this)) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition(this)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  untilCaughtUp(what = 'caught-up', timeoutMs?: number): Promise<void> {
    return this.until((probe) => probe.caughtUp, what, timeoutMs);
  }

  async close(): Promise<void> {
    await this.subscription.unsubscribe();
  }

  #update(change: () => unknown): void {
    change();
    for (const waiter of [...this.#waiters]) waiter();
  }
}
