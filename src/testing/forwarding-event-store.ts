import {
  EventStore,
  type AppendOptions,
  type AppendResult,
  type AppendToStreamsOptions,
  type AppendToStreamsResult,
  type StreamAppendRequest,
  type EventData,
  type PositionedEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '../store/event-store.js';
import type { GlobalPosition } from '../store/global-position.js';

/**
 * An EventStore that passes every call to `inner`, so a wrapper (a store that fails on purpose,
 * counts, or drops) overrides only what it changes. `readStreamPages` is left out on purpose: reads
 * through a wrapper go through `readStream`, where the wrapper sees them.
 */
export class ForwardingEventStore extends EventStore {
  /** Offered only when the inner store has it (an optional capability). */
  override setStreamMaxCount?: (streamName: string, maxCount: number) => Promise<void>;
  override headPosition?: () => Promise<GlobalPosition | undefined>;
  override appendToStreams?: (
    requests: StreamAppendRequest[],
    options?: AppendToStreamsOptions,
  ) => Promise<AppendToStreamsResult>;

  /** As the inner store's. */
  override readonly appendOnly: boolean | undefined;

  constructor(readonly inner: EventStore) {
    super();
    this.appendOnly = inner.appendOnly;
    if (inner.setStreamMaxCount)
      this.setStreamMaxCount = (streamName, maxCount) => inner.setStreamMaxCount!(streamName, maxCount);
    if (inner.headPosition) this.headPosition = () => inner.headPosition!();
    if (inner.appendToStreams) this.appendToStreams = (requests, options) => inner.appendToStreams!(requests, options);
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

  subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<PositionedEvent> {
    return this.inner.subscribeToAll(options);
  }
}
