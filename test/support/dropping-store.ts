import type { EventStore, PositionedEvent, SubscribeToAllOptions } from 'mneme';
import { ForwardingEventStore } from '../../src/testing/forwarding-event-store.js';

/**
 * Wraps a store so that its next `drops` subscriptions fail after delivering `after` events, as a
 * dropped connection would mid-iteration. Counts the subscriptions opened.
 */
export class DroppingStore extends ForwardingEventStore {
  subscriptions = 0;
  readonly subscribedFrom: (PositionedEvent['position'] | undefined)[] = [];

  constructor(
    inner: EventStore,
    private drops: number,
    private readonly after: number,
  ) {
    super(inner);
  }

  override async *subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterable<PositionedEvent> {
    this.subscriptions += 1;
    this.subscribedFrom.push(options.fromPosition);
    const drop = this.drops > 0;
    if (drop) this.drops -= 1;
    let delivered = 0;
    for await (const event of this.inner.subscribeToAll(options)) {
      if (drop && delivered === this.after) throw new Error('connection reset (injected)');
      delivered += 1;
      yield event;
    }
  }
}
