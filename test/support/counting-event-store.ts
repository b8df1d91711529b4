import type { AppendOptions, AppendResult, EventData, EventStore, ReadStreamOptions, RecordedEvent } from 'mneme';
import { ForwardingEventStore } from '../../src/testing/forwarding-event-store.js';

/**
 * Wraps a store: counts the events read from each stream (as handed to the reader) and can make
 * appends to chosen streams fail, to see what snapshots read and what a failed write does.
 */
export class CountingEventStore extends ForwardingEventStore {
  readonly eventsRead = new Map<string, number>();
  /** Appends to streams this matches throw. */
  failAppends: (streamName: string) => boolean = () => false;

  constructor(inner: EventStore) {
    super(inner);
  }

  readsOf(streamName: string): number {
    return this.eventsRead.get(streamName) ?? 0;
  }

  resetCounts(): void {
    this.eventsRead.clear();
  }

  override appendToStream(streamName: string, events: EventData[], options?: AppendOptions): Promise<AppendResult> {
    if (this.failAppends(streamName)) return Promise.reject(new Error(`append to ${streamName} failed (test)`));
    return this.inner.appendToStream(streamName, events, options);
  }

  override async *readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    for await (const event of this.inner.readStream(streamName, options)) {
      this.eventsRead.set(streamName, this.readsOf(streamName) + 1);
      yield event;
    }
  }
}
