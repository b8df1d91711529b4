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
 * Wraps a store: counts the events read from each stream (as handed to the reader) and can make
 * appends to chosen streams fail, to see what snapshots read and what a failed write does.
 */
export class CountingEventStore extends EventStore {
  readonly eventsRead = new Map<string, number>();
  /** Appends to streams this matches throw. */
  failAppends: (streamName: string) => boolean = () => false;

  constructor(readonly inner: EventStore) {
    super();
    if (inner.setStreamMaxCount) this.setStreamMaxCount = (streamName, maxCount) => inner.setStreamMaxCount!(streamName, maxCount);
  }

  override setStreamMaxCount?: (streamName: string, maxCount: number) => Promise<void>;

  readsOf(streamName: string): number {
    return this.eventsRead.get(streamName) ?? 0;
  }

  resetCounts(): void {
    this.eventsRead.clear();
  }

  appendToStream(streamName: string, events: EventData[], options?: AppendOptions): Promise<AppendResult> {
    if (this.failAppends(streamName)) return Promise.reject(new Error(`append to ${streamName} failed (test)`));
    return this.inner.appendToStream(streamName, events, options);
  }

  async *readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    for await (const event of this.inner.readStream(streamName, options)) {
      this.eventsRead.set(streamName, this.readsOf(streamName) + 1);
      yield event;
    }
  }

  readAll(options?: ReadAllOptions): AsyncIterable<PositionedEvent> {
    return this.inner.readAll(options);
  }

  subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<PositionedEvent> {
    return this.inner.subscribeToAll(options);
  }
}
