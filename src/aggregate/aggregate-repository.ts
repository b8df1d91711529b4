import { InvalidAggregateIdError } from '../errors/command-errors.js';
import type { SnapshotLogger } from '../snapshots/snapshot-logger.js';
import { EventStore } from '../store/event-store.js';
import { aggregateDefinition, streamNameFor } from './aggregate-definition.js';
import { aggregateInternals, type AggregateRoot } from './aggregate-root.js';
import { AggregateSnapshots } from './aggregate-snapshots.js';
import { expectedRevisionAfter, replayStream } from './replay.js';

export interface SaveOptions {
  /** Added to every saved event's metadata (correlation ids and the like). */
  metadata?: Record<string, unknown>;
}

export interface SaveResult {
  /** Revision of the stream's last event after the save. */
  nextExpectedVersion: bigint;
  /** The events written, in order. */
  events: readonly object[];
}

export interface AggregateRepositoryOptions {
  /** Where snapshot problems (which never fail a command) are reported; silent by default. */
  logger?: SnapshotLogger;
  /** `false`: ignore snapshot policies, always replay the whole stream and write no snapshots. */
  snapshots?: boolean;
}

/** Loads aggregates by replaying their streams; saves their pending events with optimistic concurrency. */
export class AggregateRepository {
  readonly #snapshots: AggregateSnapshots | undefined;

  constructor(
    readonly eventStore: EventStore,
    options: AggregateRepositoryOptions = {},
  ) {
    this.#snapshots = options.snapshots === false ? undefined : new AggregateSnapshots(eventStore, options.logger);
  }

  /** A fresh aggregate with its stream replayed; a missing stream gives a new aggregate (version -1n). */
  async load<A extends AggregateRoot>(type: new () => A, id: string): Promise<A> {
    const problem = InvalidAggregateIdError.check(id);
    if (problem) throw new InvalidAggregateIdError(problem, { value: id });
    const streamName = streamNameFor(aggregateDefinition(type), id);
    // With a snapshot policy: the latest snapshot and the events after it, if there is a usable one.
    const fromSnapshot = await this.#snapshots?.load(type, id, streamName);
    if (fromSnapshot) return fromSnapshot;
    const aggregate = new type();
    aggregateInternals.initialize(aggregate, id);
    await replayStream(this.eventStore, streamName, (event, recorded) =>
      aggregateInternals.replayed(aggregate, event, recorded.revision),
    );
    return aggregate;
  }

  /**
   * Appends the pending events, expecting the stream to be where it was when the aggregate was
   * loaded (`no_stream` for a new one): a concurrent writer makes this throw `ConcurrencyError`.
   */
  async save(aggregate: AggregateRoot, options: SaveOptions = {}): Promise<SaveResult> {
    const pending = aggregateInternals.pendingData(aggregate);
    const events = [...aggregate.pendingEvents];
    if (pending.length === 0) return { nextExpectedVersion: aggregate.version, events };
    const streamName = streamNameFor(aggregateDefinition(aggregate.constructor), aggregate.id);
    const data = options.metadata
      ? pending.map((event) => ({ ...event, metadata: { ...options.metadata, ...event.metadata } }))
      : [...pending];
    // Decided (and the state checked) before anything is written; written only after the append.
    const snapshot = this.#snapshots?.prepare(aggregate, aggregate.version + BigInt(data.length), data.at(-1)?.id);
    const { nextExpectedRevision } = await this.eventStore.appendToStream(streamName, data, {
      expectedRevision: expectedRevisionAfter(aggregate.version),
    });
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    if (snapshot) await this.#snapshots!.write(snapshot, nextExpectedRevision);
    return { nextExpectedVersion: nextExpectedRevision, events };
  }
}
