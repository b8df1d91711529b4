import {
  EventStore,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type PositionedEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from 'mneme';

/**
 * Wraps a store so that its next `drops` subscriptions fail after delivering `after` events, as a
 * dropped connection would mid-iteration. Counts the subscriptions opened.
 */
export class DroppingStore extends EventStore {
  subscriptions = 0;
  readonly subscribedFrom: (PositionedEvent['position'] | undefined)[] = [];

  constructor(
    readonly inner: EventStore,
    private drops: number,
    private readonly after: number,
  ) {
    super();
  }

  appendToStream(streamName: string, events: EventData[], options?: AppendOptions): Promise<AppendResult> {
    return this.inner.appendToStream(streamName, events, options);
  }
  readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    return this.inner.readStream(streamName, options);
  }
  readAll(options?: ReadAllOptions): AsyncIterable<PositionedEvent> {
    return this.inner.readAll(options);
  }
  async *subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterable<PositionedEvent> {
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
