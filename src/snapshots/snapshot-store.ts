import { UnreadableSnapshotError } from '../errors/snapshot-errors.js';
import type { EventStore, RecordedEvent } from '../store/event-store.js';
import { ANY } from '../store/expected-revision.js';
import { readRecords } from '../aggregate/replay.js';
import { SNAPSHOTS_KEPT, SNAPSHOT_EVENT_TYPE } from './snapshot-stream.js';

/** One stored snapshot: an aggregate's state after the event at `revision` of its stream. */
export interface Snapshot {
  /** The aggregate class's name, for people reading the stream. */
  readonly aggregateType: string;
  /** The state's schema version (the policy's `version` when it was taken). */
  readonly version: number;
  /** The revision of the last event the state includes. */
  readonly revision: bigint;
  /** The id of that event, so a snapshot of a since recreated stream is recognised. */
  readonly eventId?: string;
  /** The state as class-transformer's plain JSON. */
  readonly state: unknown;
  /**
   * The first event of the history the state was built from (its revision and id), so a snapshot
   * of a stream truncated since (`$tb`, `$maxCount`) is recognised. Absent: revision 0.
   */
  readonly firstRevision?: bigint;
  readonly firstEventId?: string;
}

/** A snapshot as read back, with its own place in the companion stream. */
export interface StoredSnapshot extends Snapshot {
  readonly snapshotRevision: bigint;
}

/**
 * Snapshots kept as events in companion streams of the same event store, one stream per aggregate;
 * the latest is the last event. Works on any EventStore; stores that can (KurrentDB) keep only the
 * latest few.
 */
export class SnapshotStore {
  constructor(readonly eventStore: EventStore) {}

  /** Appends the snapshot; returns its revision in the companion stream. */
  async write(streamName: string, snapshot: Snapshot): Promise<bigint> {
    const { revision, eventId, firstRevision, firstEventId, ...rest } = snapshot;
    const data = {
      ...rest,
      revision: revision.toString(),
      ...(eventId === undefined ? {} : { eventId }),
      ...(firstRevision === undefined ? {} : { firstRevision: firstRevision.toString() }),
      ...(firstEventId === undefined ? {} : { firstEventId }),
    };
    const { nextExpectedRevision } = await this.eventStore.appendToStream(
      streamName,
      [{ type: SNAPSHOT_EVENT_TYPE, data }],
      {
        expectedRevision: ANY,
      },
    );
    return nextExpectedRevision;
  }

  /**
   * Asks the store to keep only the latest few snapshots (`$maxCount` on KurrentDB), on the first
   * snapshot and again every few, so a failed attempt is made up for later. Stores without the
   * capability keep everything.
   */
  async keepLatest(streamName: string, snapshotRevision: bigint): Promise<void> {
    if (!this.eventStore.setStreamMaxCount || snapshotRevision % BigInt(SNAPSHOTS_KEPT) !== 0n) return;
    await this.eventStore.setStreamMaxCount(streamName, SNAPSHOTS_KEPT);
  }

  /**
   * The latest snapshot (one event read backwards), or undefined when there is none. Read by pages
   * where the store has them (every load of an aggregate with a policy asks): through `readStream`'s
   * async generator a lookup cost about half as much again (bench/micro-cold-path.ts).
   */
  async readLatest(streamName: string): Promise<StoredSnapshot | undefined> {
    let latest: RecordedEvent | undefined;
    await readRecords(this.eventStore, streamName, (recorded) => void (latest ??= recorded), {
      direction: 'backwards',
      maxCount: 1,
    });
    return latest && parseSnapshot(latest);
  }
}

/** Checks the shape of a stored snapshot: another producer (or an old version) may have written it. */
function parseSnapshot(recorded: RecordedEvent): StoredSnapshot {
  const fail = (reason: string) => new UnreadableSnapshotError(recorded.streamName, recorded.revision, reason);
  if (recorded.type !== SNAPSHOT_EVENT_TYPE) throw fail(`its type is '${recorded.type}', not '${SNAPSHOT_EVENT_TYPE}'`);
  const data = recorded.data as Record<string, unknown> | null;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw fail('its data is not a JSON object');
  const { aggregateType, version, revision, eventId, state, firstRevision, firstEventId } = data;
  if (typeof version !== 'number' || !Number.isSafeInteger(version))
    throw fail(`its version is ${JSON.stringify(version)}, not an integer`);
  if (typeof revision !== 'string' || !/^\d+$/.test(revision))
    throw fail(`its revision is ${JSON.stringify(revision)}, not a decimal string`);
  if (eventId !== undefined && typeof eventId !== 'string') throw fail('its eventId is not a string');
  if (typeof state !== 'object' || state === null || Array.isArray(state)) throw fail('its state is not a JSON object');
  if (firstRevision !== undefined && (typeof firstRevision !== 'string' || !/^\d+$/.test(firstRevision)))
    throw fail(`its firstRevision is ${JSON.stringify(firstRevision)}, not a decimal string`);
  if (firstEventId !== undefined && typeof firstEventId !== 'string') throw fail('its firstEventId is not a string');
  return {
    aggregateType: typeof aggregateType === 'string' ? aggregateType : '',
    version,
    revision: BigInt(revision),
    ...(eventId === undefined ? {} : { eventId }),
    state,
    ...(firstRevision === undefined ? {} : { firstRevision: BigInt(firstRevision as string) }),
    ...(firstEventId === undefined ? {} : { firstEventId: firstEventId as string }),
    snapshotRevision: recorded.revision,
  };
}
