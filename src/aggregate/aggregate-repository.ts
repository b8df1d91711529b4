import { InvalidAggregateIdError } from '../errors/command-errors.js';
import { EventStore, type EventData } from '../store/event-store.js';
import { aggregateDefinition, streamNameFor } from './aggregate-definition.js';
import { aggregateInternals, type AggregateRoot } from './aggregate-root.js';
import { stampEvents, writtenBy } from './command-stamp.js';
import { expectedRevisionAfter, replayStream } from './replay.js';

export interface SaveOptions {
  /** Added to every saved event's metadata (correlation ids and the like). */
  metadata?: Record<string, unknown>;
  /**
   * Makes the save idempotent: event `i` gets the id `eventIdFor(commandId, i)`, and every event the
   * metadata `commandId`, `$correlationId` and `$causationId` (written last, over `metadata`).
   */
  commandId?: string;
  /** Defaults to `commandId`. */
  correlationId?: string;
  /** Defaults to `commandId`. */
  causationId?: string;
}

export interface SaveResult {
  /** Revision of the stream's last event after the save. */
  nextExpectedVersion: bigint;
  /** The events written, in order. */
  events: readonly object[];
}

/** Events a command already stored, found while replaying its aggregate. */
export interface StoredCommandEvents {
  readonly events: readonly object[];
  /** Revision of the last of them. */
  readonly lastRevision: bigint;
}

/** Loads aggregates by replaying their streams; saves their pending events with optimistic concurrency. */
export class AggregateRepository {
  constructor(readonly eventStore: EventStore) {}

  /** A fresh aggregate with its stream replayed; a missing stream gives a new aggregate (version -1n). */
  async load<A extends AggregateRoot>(type: new () => A, id: string): Promise<A> {
    return (await this.#load(type, id, undefined)).aggregate;
  }

  /**
   * Like `load`, and also collects the events of the stream that command `commandId` stored (by
   * their `commandId` metadata), so a re-sent command can be answered without deciding again.
   */
  loadForCommand<A extends AggregateRoot>(
    type: new () => A,
    id: string,
    commandId: string,
  ): Promise<{ aggregate: A; stored: StoredCommandEvents | undefined }> {
    return this.#load(type, id, commandId);
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
    const { nextExpectedRevision } = await this.eventStore.appendToStream(streamName, toAppend(pending, options), {
      expectedRevision: expectedRevisionAfter(aggregate.version),
    });
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    return { nextExpectedVersion: nextExpectedRevision, events };
  }

  async #load<A extends AggregateRoot>(type: new () => A, id: string, commandId: string | undefined) {
    const problem = InvalidAggregateIdError.check(id);
    if (problem) throw new InvalidAggregateIdError(problem, { value: id });
    const streamName = streamNameFor(aggregateDefinition(type), id);
    const aggregate = new type();
    aggregateInternals.initialize(aggregate, id);
    let found: object[] | undefined;
    let lastRevision = -1n;
    await replayStream(this.eventStore, streamName, (event, recorded) => {
      aggregateInternals.replayed(aggregate, event, recorded.revision);
      if (commandId !== undefined && writtenBy(recorded, commandId)) {
        (found ??= []).push(event);
        lastRevision = recorded.revision;
      }
    });
    return { aggregate, stored: found && { events: found, lastRevision } };
  }
}

function toAppend(pending: readonly EventData[], options: SaveOptions): EventData[] {
  const { metadata, commandId } = options;
  if (commandId !== undefined) {
    return stampEvents(pending, {
      commandId,
      correlationId: options.correlationId ?? commandId,
      causationId: options.causationId ?? commandId,
      metadata: metadata ?? {},
    });
  }
  return metadata ? pending.map((event) => ({ ...event, metadata: { ...metadata, ...event.metadata } })) : [...pending];
}
