import { InvalidAggregateIdError } from '../errors/command-errors.js';
import { EventStore } from '../store/event-store.js';
import { aggregateDefinition, streamNameFor } from './aggregate-definition.js';
import { aggregateInternals, assertAggregateClass, type AggregateRoot } from './aggregate-root.js';
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

/** Loads aggregates by replaying their streams; saves their pending events with optimistic concurrency. */
export class AggregateRepository {
  constructor(readonly eventStore: EventStore) {}

  /** A fresh aggregate with its stream replayed; a missing stream gives a new aggregate (version -1n). */
  async load<A extends AggregateRoot>(type: new () => A, id: string): Promise<A> {
    assertAggregateClass(type);
    const problem = InvalidAggregateIdError.check(id);
    if (problem) throw new InvalidAggregateIdError(problem, { value: id });
    const streamName = streamNameFor(aggregateDefinition(type), id);
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
    assertAggregateClass(typeof aggregate === 'object' && aggregate !== null ? aggregate.constructor : aggregate);
    const pending = aggregateInternals.pendingData(aggregate);
    const events = [...aggregate.pendingEvents];
    if (pending.length === 0) return { nextExpectedVersion: aggregate.version, events };
    const streamName = streamNameFor(aggregateDefinition(aggregate.constructor), aggregate.id);
    const data = options.metadata
      ? pending.map((event) => ({ ...event, metadata: { ...options.metadata, ...event.metadata } }))
      : [...pending];
    const { nextExpectedRevision } = await this.eventStore.appendToStream(streamName, data, {
      expectedRevision: expectedRevisionAfter(aggregate.version),
    });
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    return { nextExpectedVersion: nextExpectedRevision, events };
  }
}
