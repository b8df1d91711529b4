import { deserializeEvent } from '../events/event-serializer.js';
import type { EventStore, ReadStreamOptions, RecordedEvent } from '../store/event-store.js';
import { NO_STREAM, type ExpectedRevision } from '../store/expected-revision.js';

/**
 * Streams a stream's events, as instances of their @EventType classes, into `apply`, one at a
 * time (never the whole stream in memory). Resolves to the last revision read, `-1n` if none.
 */
export async function replayStream(
  store: EventStore,
  streamName: string,
  apply: (event: object, recorded: RecordedEvent) => void,
  options?: ReadStreamOptions,
): Promise<bigint> {
  let version = -1n;
  const pages = pagesOf(store);
  if (!pages) {
    for await (const recorded of store.readStream(streamName, options)) {
      apply(deserializeEvent(recorded), recorded);
      version = recorded.revision;
    }
    return version;
  }
  for await (const page of pages.call(store, streamName, options)) {
    for (let i = 0; i < page.length; i++) {
      const recorded = page[i]!;
      apply(deserializeEvent(recorded), recorded);
      version = recorded.revision;
    }
  }
  return version;
}

/**
 * Streams a stream's recorded events into `visit`, as stored (nothing deserialized), one page at a
 * time when the store has pages. Resolves to the last revision read, `-1n` if none.
 */
export async function readRecords(
  store: EventStore,
  streamName: string,
  visit: (recorded: RecordedEvent) => void,
  options?: ReadStreamOptions,
): Promise<bigint> {
  let version = -1n;
  const pages = pagesOf(store);
  if (!pages) {
    for await (const recorded of store.readStream(streamName, options)) {
      visit(recorded);
      version = recorded.revision;
    }
    return version;
  }
  for await (const page of pages.call(store, streamName, options)) {
    for (let i = 0; i < page.length; i++) {
      const recorded = page[i]!;
      visit(recorded);
      version = recorded.revision;
    }
  }
  return version;
}

/**
 * The store's `readStreamPages` when it has one and `readStream` is not overridden below it (a
 * subclass or a spy on `readStream` must see every read); undefined means: read with `readStream`.
 */
export function pagesOf(store: EventStore): EventStore['readStreamPages'] {
  for (let p: object | null = store; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (Object.hasOwn(p, 'readStreamPages')) return Object.hasOwn(p, 'readStream') ? store.readStreamPages : undefined;
    if (Object.hasOwn(p, 'readStream')) return undefined;
  }
  return undefined;
}

/**
 * Sees the recorded events a load reads: every event replayed, and with a snapshot also the events
 * it covers that are read for command-id deduplication. `event()` turns one into its instance.
 */
export type ReplayObserver = (recorded: RecordedEvent, event: () => object) => void;

/** The expected revision for appending after having read up to `version`. */
export function expectedRevisionAfter(version: bigint): ExpectedRevision {
  return version < 0n ? NO_STREAM : version;
}
