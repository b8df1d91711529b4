import type { EventData } from '../store/event-store.js';
import { serializeEvent } from '../events/event-serializer.js';
import { applierFor } from './aggregate-definition.js';

/** Set by AggregateRoot's static block; declared first so the block can assign it. */
export let aggregateInternals: AggregateInternals;

/**
 * Base class of decorator aggregates. Subclasses have a no-argument constructor; the repository
 * replays their stream after construction, so field initialisers have run first.
 * Internals are `#private`, so neither serialization nor JSON.stringify ever sees them.
 */
export abstract class AggregateRoot {
  #id: string | undefined;
  #version = -1n;
  readonly #pending: object[] = [];
  readonly #pendingData: EventData[] = [];

  /** The aggregate id; set by the repository before replay. */
  get id(): string {
    return this.#id ?? '';
  }

  /** Revision of the last stored event applied (`-1n` for a new aggregate). */
  get version(): bigint {
    return this.#version;
  }

  /** Events decided since the aggregate was loaded, in order, not yet saved. */
  get pendingEvents(): readonly object[] {
    return this.#pending;
  }

  /**
   * Records a new event: validates and serializes it first (an invalid one throws
   * `InvalidEventError` and changes nothing), then applies it and adds it to `pendingEvents`.
   */
  raise(event: object): void {
    this.#record(event, serializeEvent(event));
  }

  /** Applies an event already validated and serialized, and keeps it for the next save. */
  #record(event: object, data: EventData): void {
    applyEvent(this, event);
    this.#pending.push(event);
    this.#pendingData.push(data);
  }

  static {
    aggregateInternals = {
      initialize(aggregate, id) {
        aggregate.#id = id;
      },
      replayed(aggregate, event, revision) {
        applyEvent(aggregate, event);
        aggregate.#version = revision;
      },
      record(aggregate, events) {
        for (const { event, data } of events) aggregate.#record(event, data);
      },
      pendingData(aggregate) {
        return aggregate.#pendingData;
      },
      markSaved(aggregate, version) {
        aggregate.#pending.length = 0;
        aggregate.#pendingData.length = 0;
        aggregate.#version = version;
      },
    };
  }
}

function applyEvent(aggregate: AggregateRoot, event: object): void {
  applierFor(aggregate.constructor, event.constructor)?.call(aggregate, event);
}

/** What the engine (repository, bus) may do to an aggregate that users may not. */
export interface AggregateInternals {
  initialize(aggregate: AggregateRoot, id: string): void;
  /** Applies a stored event and moves the version to its revision. */
  replayed(aggregate: AggregateRoot, event: object, revision: bigint): void;
  /** Applies and records events already validated and serialized. */
  record(aggregate: AggregateRoot, events: readonly { event: object; data: EventData }[]): void;
  pendingData(aggregate: AggregateRoot): readonly EventData[];
  markSaved(aggregate: AggregateRoot, version: bigint): void;
}
