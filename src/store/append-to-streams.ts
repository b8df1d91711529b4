import { MultiStreamAppendUnsupportedError } from '../errors/multi-stream-errors.js';
import type { AppendToStreamsOptions, AppendToStreamsResult, EventStore, StreamAppendRequest } from './event-store.js';

/**
 * `store.appendToStreams(requests, options)` for any store: a store without the capability (one
 * written before it) fails with MultiStreamAppendUnsupportedError instead of a TypeError.
 */
export function appendToStreams(
  store: EventStore,
  requests: StreamAppendRequest[],
  options?: AppendToStreamsOptions,
): Promise<AppendToStreamsResult> {
  if (typeof store.appendToStreams !== 'function') {
    const name = (store as object | null)?.constructor?.name ?? 'this store';
    return Promise.reject(
      new MultiStreamAppendUnsupportedError('appendToStreams', name, 'it has no appendToStreams method'),
    );
  }
  return store.appendToStreams(requests, options);
}
