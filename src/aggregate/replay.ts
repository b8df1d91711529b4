import { deserializeEvent } from '../events/event-serializer.js';
import type { EventStore, RecordedEvent } from '../store/event-store.js';
import { NO_STREAM, type ExpectedRevision } from '../store/expected-revision.js';

/**
 * Streams a stream's events, as instances of their @EventType classes, into `apply`, one at a
 * time (never the whole stream in memory). Resolves to the last revision read, `-1n` if none.
 */
export async function replayStream(
  store: EventStore,
  streamName: string,
  apply: (event: object, recorded: RecordedEvent) => void,
): Promise<bigint> {
  let version = -1n;
  for await (const recorded of store.readStream(streamName)) {
    apply(deserializeEvent(recorded), recorded);
    version = recorded.revision;
  }
  return version;
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
