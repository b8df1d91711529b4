import type { AggregateClass } from '../../decorators/index.js';
import { UnreadableSnapshotError } from '../errors/snapshot-errors.js';
import { EventStoreUnavailableError } from '../errors/store-errors.js';
import { deserializeEvent } from '../events/event-serializer.js';
import { silentLogger } from '../logging/logger.js';
import type { SnapshotLogger } from './snapshot-logger.js';
import { snapshotPolicyOf } from './snapshot-policy.js';
import { captureState, restoreState } from './snapshot-state.js';
import { SnapshotStore, type Snapshot, type StoredSnapshot } from './snapshot-store.js';
import { snapshotStreamName } from './snapshot-stream.js';
import type { EventStore, RecordedEvent } from '../store/event-store.js';
import type { LoadProbe } from '../telemetry/mneme-telemetry.js';
import type { ReplayObserver } from '../aggregate/replay.js';
import { aggregateDefinition, categoryOf } from '../aggregate/aggregate-definition.js';
import { aggregateInternals, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { COMMAND_WINDOW } from '../aggregate/command-window.js';
import {
  firstEventOf,
  historyStartOf,
  sameStart,
  setHistoryStart,
  type HistoryStart,
} from '../aggregate/history-start.js';
import { SnapshotStateError } from '../errors/snapshot-errors.js';

/**
 * Events before a snapshot that command-id deduplication reads: the window (`COMMAND_WINDOW`
 * events from the stream's end, which is at or after the snapshot), and as many again, so a
 * re-send just outside the window is reported (`CommandOutsideWindowError`) on this path as well.
 */
const COMMAND_LOOKBACK = 2 * COMMAND_WINDOW;

/** A snapshot decided before a save and written after it succeeds. */
export interface PreparedSnapshot {
  readonly aggregate: AggregateRoot;
  readonly streamName: string;
  readonly snapshot: Snapshot;
}

/**
 * The repository's snapshot side: loads an aggregate from its latest snapshot plus the events
 * after it, and takes a snapshot after a save when the aggregate's policy says so. Problems with
 * snapshots never fail a load or a command: they are reported and the full stream is used.
 */
export class AggregateSnapshots {
  readonly store: SnapshotStore;
  readonly #logger: SnapshotLogger;
  /** The revision covered by the snapshot an aggregate was loaded from, or took since. */
  readonly #covered = new WeakMap<AggregateRoot, bigint>();

  constructor(eventStore: EventStore, logger: SnapshotLogger = silentLogger) {
    this.store = new SnapshotStore(eventStore);
    this.#logger = logger;
  }

  /**
   * The aggregate restored from its latest snapshot, with the events after it replayed; undefined
   * when the class has no policy, or there is no usable snapshot (then the caller replays in full).
   */
  async load<A extends AggregateRoot>(
    type: AggregateClass<A>,
    id: string,
    streamName: string,
    observe?: ReplayObserver,
    probe?: LoadProbe,
  ): Promise<A | undefined> {
    const policy = snapshotPolicyOf(type);
    if (!policy) return undefined;
    const companion = snapshotStreamName(categoryOf(aggregateDefinition(type)), id);
    let snapshot: StoredSnapshot | undefined;
    try {
      snapshot = await this.store.readLatest(companion);
    } catch (error) {
      // The store being unreachable is not a bad snapshot: the command's transient policy retries.
      if (EventStoreUnavailableError.is(error)) throw error;
      this.#report(
        UnreadableSnapshotError.is(error)
          ? error
          : new UnreadableSnapshotError(companion, undefined, 'it could not be read', { cause: error }),
        type,
        id,
      );
      return undefined;
    }
    // Another version's state is never mis-applied: the next snapshot replaces it.
    if (!snapshot || snapshot.version !== policy.version) return undefined;
    if (snapshot.eventId === undefined) {
      const reason = `it names no event id, so it cannot prove it belongs to the stream's current life`;
      this.#report(new UnreadableSnapshotError(companion, snapshot.snapshotRevision, reason), type, id);
      return undefined;
    }
    let aggregate: A;
    try {
      aggregate = restoreState(type, snapshot.state);
      const misfit = findMisfit(new type(), aggregate);
      if (misfit) throw new TypeError(misfit);
    } catch (error) {
      const reason = `its state cannot be restored as ${type.name}: ${error instanceof Error ? error.message : String(error)}`;
      this.#report(
        new UnreadableSnapshotError(companion, snapshot.snapshotRevision, reason, { cause: error }),
        type,
        id,
      );
      return undefined;
    }
    aggregateInternals.initialize(aggregate, id);
    aggregateInternals.markSaved(aggregate, snapshot.revision);

    // Read from the covered event itself: it must still be there, with the same id, or the stream
    // was recreated since and the snapshot belongs to its old life. An observer (command-id
    // deduplication) also sees the COMMAND_LOOKBACK events before it, which are not applied.
    const lookbackFrom = observe ? snapshot.revision - BigInt(COMMAND_LOOKBACK) : snapshot.revision;
    // And where the stream begins now (in parallel): truncated since, the state holds removed events.
    const start: HistoryStart = { revision: snapshot.firstRevision ?? 0n, id: snapshot.firstEventId };
    const firstNow = this.store.eventStore.appendOnly ? undefined : firstEventOf(this.store.eventStore, streamName);
    firstNow?.catch(() => undefined); // awaited below; a failure there is the read's
    const lookback: RecordedEvent[] = [];
    let checked = false;
    for await (const recorded of this.store.eventStore.readStream(streamName, {
      fromRevision: lookbackFrom < 0n ? 0n : lookbackFrom,
    })) {
      if (probe) probe.eventsRead++;
      if (!checked) {
        if (recorded.revision < snapshot.revision) {
          lookback.push(recorded);
          continue;
        }
        if (recorded.revision !== snapshot.revision || recorded.id !== snapshot.eventId) break;
        checked = true;
        // Observed only once the snapshot is known to be good: otherwise the caller replays in full.
        for (const seen of [...lookback, recorded]) observe?.(seen, () => deserializeEvent(seen));
        continue;
      }
      const event = deserializeEvent(recorded);
      aggregateInternals.replayed(aggregate, event, recorded.revision);
      observe?.(recorded, () => event);
    }
    if (!checked) {
      const reason = `the event at revision ${snapshot.revision} it covers is missing from stream '${streamName}' or has another id (was the stream recreated?)`;
      this.#report(new UnreadableSnapshotError(companion, snapshot.snapshotRevision, reason), type, id);
      return undefined;
    }
    if (firstNow && !sameStart(start, await firstNow)) {
      const reason = `stream '${streamName}' no longer begins at revision ${start.revision}, where the history of its state begins (it was truncated since)`;
      this.#report(new UnreadableSnapshotError(companion, snapshot.snapshotRevision, reason), type, id);
      return undefined;
    }
    setHistoryStart(aggregate, start);
    this.#covered.set(aggregate, snapshot.revision);
    if (probe) probe.fromSnapshot = true;
    return aggregate;
  }

  /** `copy` (of `original`) counts its events since the same snapshot. */
  inherit(original: AggregateRoot, copy: AggregateRoot): void {
    const covered = this.#covered.get(original);
    if (covered !== undefined) this.#covered.set(copy, covered);
  }

  /**
   * Before a save that will leave the stream at `revision`: the snapshot to write afterwards, if
   * the policy asks for one. Throws `SnapshotStateError` (nothing written yet) when the state would
   * not survive a snapshot.
   */
  prepare(aggregate: AggregateRoot, revision: bigint, lastEventId: string | undefined): PreparedSnapshot | undefined {
    const type = aggregate.constructor;
    const policy = snapshotPolicyOf(type);
    if (!policy) return undefined;
    const since = revision - (this.#covered.get(aggregate) ?? -1n);
    if (!policy.due(aggregate, since)) return undefined;
    const state = captureState(aggregate);
    const streamName = snapshotStreamName(categoryOf(aggregateDefinition(type)), aggregate.id);
    const snapshot: Snapshot = {
      aggregateType: type.name,
      version: policy.version,
      revision,
      ...(lastEventId === undefined ? {} : { eventId: lastEventId }),
      state,
    };
    return { aggregate, streamName, snapshot };
  }

  /**
   * After the save: writes the snapshot, its state captured from `pure()`, the aggregate as the
   * appliers left it after the stored events (the cache's entry, or a fresh load): never the
   * handler's copy, which may hold changes made outside appliers. Never throws; a failure is
   * reported and the next save tries again.
   */
  async write(
    prepared: PreparedSnapshot,
    savedRevision: bigint,
    pure: () => AggregateRoot | Promise<AggregateRoot>,
  ): Promise<void> {
    const { aggregate, streamName } = prepared;
    // Where the save ended (after a stream's hidden events, its revisions go on further than the load read).
    let snapshot: Snapshot = { ...prepared.snapshot, revision: savedRevision };
    let snapshotRevision: bigint;
    let source: AggregateRoot | undefined;
    try {
      source = await pure();
      // Another writer moved the stream on before the fresh load: the next save takes the snapshot.
      if (source.revision !== snapshot.revision) return;
      const start = historyStartOf(source);
      snapshot = {
        ...snapshot,
        state: captureState(source),
        ...(start
          ? { firstRevision: start.revision, ...(start.id === undefined ? {} : { firstEventId: start.id }) }
          : {}),
      };
      snapshotRevision = await this.store.write(streamName, snapshot);
    } catch (error) {
      const what = SnapshotStateError.is(error) ? 'Capturing' : 'Writing';
      this.#logger.warn(
        `${what} the snapshot of ${snapshot.aggregateType} '${aggregate.id}' at revision ${snapshot.revision} failed; the command succeeded and the next save tries again.`,
        {
          streamName,
          aggregateType: snapshot.aggregateType,
          aggregateId: aggregate.id,
          revision: snapshot.revision,
          error,
        },
      );
      return;
    }
    this.#covered.set(aggregate, snapshot.revision);
    this.#covered.set(source, snapshot.revision);
    try {
      await this.store.keepLatest(streamName, snapshotRevision);
    } catch (error) {
      this.#logger.warn(
        `Limiting the snapshots kept in '${streamName}' failed; it is tried again with a later snapshot.`,
        { streamName, error },
      );
    }
  }

  #report(error: UnreadableSnapshotError, type: Function, id: string): void {
    this.#logger.warn(error.message, {
      code: error.code,
      streamName: error.streamName,
      revision: error.revision,
      aggregateType: type.name,
      aggregateId: id,
      error,
    });
  }
}

/**
 * Why a restored state does not fit its class, or undefined: a field a fresh instance initialises
 * holds another kind of value (a string where the class starts with a number, an object for an
 * array...). Fields a fresh instance leaves undefined or null may hold anything.
 */
function findMisfit(fresh: object, restored: object): string | undefined {
  const state = restored as Record<string, unknown>;
  for (const [key, initial] of Object.entries(fresh)) {
    if (initial === undefined || initial === null || !(key in state)) continue;
    const value = state[key];
    const kind = kindOf(initial);
    if (kindOf(value) !== kind)
      return `field ${key} holds ${kindOf(value)}, where ${fresh.constructor.name} starts with ${kind}`;
  }
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object`;
  return `a ${typeof value}`;
}
