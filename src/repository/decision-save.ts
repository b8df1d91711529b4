import { aggregateInternals, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { expectedRevisionAfter, readRecords } from '../aggregate/replay.js';
import { deserializeEvent } from '../events/event-serializer.js';
import { SCHEMA_VERSION_KEY } from '../events/upcasting.js';
import { appendToStreams } from '../store/append-to-streams.js';
import type { EventData, RecordedEvent, StreamAppendRequest, StreamCheck } from '../store/event-store.js';
import type { AggregateRepository } from './aggregate-repository.js';
import { eventIdFor, stampEvents, type CommandStamp } from './command-stamp.js';

/** One aggregate of a decision: loaded at `aggregate.revision`, its pending events (if any) to be written. */
export interface DecisionEntry {
  readonly aggregate: AggregateRoot;
  readonly streamName: string;
}

/** What one stream of a decision ended as. */
export interface DecisionStreamSaved {
  readonly streamName: string;
  /** False for a stream that was only checked. */
  readonly written: boolean;
  /** The events stored on it by this command (read back when another send may have stored them). */
  readonly events: readonly object[];
  /** Its last revision afterwards (for a checked stream, the revision it was read and checked at). */
  readonly nextExpectedRevision: bigint;
}

/**
 * The id of event `index` of a decision on `streamName`: deterministic, like a single-stream
 * command's, and different on each stream (one commit must not carry an id twice).
 */
export function decisionEventIdFor(commandId: string, streamName: string, index: number): string {
  return eventIdFor(`${commandId}@${streamName}`, index);
}

/**
 * Appends the pending events of every changed aggregate in one atomic commit, each stream at the
 * revision its aggregate was loaded at, the unchanged ones as checks at theirs. A conflict on any of
 * them throws `MultiStreamConcurrencyError` (a `ConcurrencyError`: the retry loop reloads them all).
 * `mayBeStoredAlready`: as for `saveCommand`, the store may answer the commit as a re-send; what
 * each stream then holds is read back, and that is what is returned and cached.
 */
export async function saveDecision(
  repository: AggregateRepository,
  entries: readonly DecisionEntry[],
  stamp: CommandStamp,
  mayBeStoredAlready: boolean,
): Promise<DecisionStreamSaved[]> {
  const requests: StreamAppendRequest[] = [];
  const checks: StreamCheck[] = [];
  const written: { entry: DecisionEntry; data: EventData[] }[] = [];
  for (const entry of entries) {
    const pending = aggregateInternals.pendingData(entry.aggregate);
    const expectedRevision = expectedRevisionAfter(entry.aggregate.revision);
    if (pending.length === 0) {
      checks.push({
        streamName: entry.streamName,
        expectedRevision: expectedRevision as StreamCheck['expectedRevision'],
      }); // never ANY: no_stream or a revision
      continue;
    }
    const data = stampEvents(pending, stamp).map((event, index) => ({
      ...event,
      id: decisionEventIdFor(stamp.commandId, entry.streamName, index),
      metadata: withStringSchemaVersion(event.metadata!),
    }));
    requests.push({ streamName: entry.streamName, events: data, expectedRevision });
    written.push({ entry, data });
  }
  const results = new Map<string, DecisionStreamSaved>();
  if (requests.length > 0) {
    const { streams } = await appendToStreams(repository.eventStore, requests, checks.length > 0 ? { checks } : {});
    await Promise.all(
      written.map(async ({ entry, data }, index) => {
        const { aggregate, streamName } = entry;
        const loadedAt = aggregate.revision;
        const nextExpectedRevision = streams[index]!.nextExpectedRevision;
        const firstRevision = nextExpectedRevision - BigInt(data.length) + 1n;
        const events = [...aggregate.pendingEvents];
        let stored: readonly RecordedEvent[] | undefined = recordsOf(data, streamName, firstRevision);
        if (mayBeStoredAlready) stored = await readBack(repository, streamName, firstRevision, data);
        repository.settleSaved(aggregate, streamName, loadedAt, nextExpectedRevision, stored);
        results.set(streamName, {
          streamName,
          written: true,
          events: !stored ? [] : mayBeStoredAlready ? stored.map((recorded) => deserializeEvent(recorded)) : events,
          nextExpectedRevision,
        });
      }),
    );
  }
  return entries.map(
    ({ aggregate, streamName }) =>
      results.get(streamName) ?? { streamName, written: false, events: [], nextExpectedRevision: aggregate.revision },
  );
}

/** A multi-stream append carries string metadata values only: the schema version goes as its digits (readers take both). */
function withStringSchemaVersion(metadata: Record<string, unknown>): Record<string, unknown> {
  const version = metadata[SCHEMA_VERSION_KEY];
  return typeof version === 'number' ? { ...metadata, [SCHEMA_VERSION_KEY]: String(version) } : metadata;
}

/** The events stored from `firstRevision`, if they carry the ids just appended (otherwise undefined: the stream does not show them). */
async function readBack(
  repository: AggregateRepository,
  streamName: string,
  firstRevision: bigint,
  data: readonly EventData[],
): Promise<RecordedEvent[] | undefined> {
  const records: RecordedEvent[] = [];
  await readRecords(repository.eventStore, streamName, (recorded) => void records.push(recorded), {
    fromRevision: firstRevision,
    maxCount: data.length,
  });
  if (records.length !== data.length) return undefined;
  for (let i = 0; i < records.length; i++) {
    if (records[i]!.id !== data[i]!.id || records[i]!.revision !== firstRevision + BigInt(i)) return undefined;
  }
  return records;
}

/** The records an append of `data` from `firstRevision` stored. */
function recordsOf(data: readonly EventData[], streamName: string, firstRevision: bigint): RecordedEvent[] {
  const createdAt = new Date();
  return data.map((event, i) => ({
    id: event.id!,
    streamName,
    revision: firstRevision + BigInt(i),
    type: event.type,
    data: event.data,
    metadata: event.metadata ?? {},
    createdAt,
  }));
}
