import type { EventData } from '../store/event-store.js';
import { rebuildEvent, serializeEvent } from '../events/event-serializer.js';
import { InvalidAggregateError } from '../errors/aggregate-errors.js';
import { describeValue } from '../errors/describe-value.js';
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
  #revision = -1n;
  readonly #pending: object[] = [];
  readonly #pendingData: EventData[] = [];
  /** What `pendingEvents` hands out: frozen, so code that pushes into it cannot make it disagree with what is saved. */
  #pendingView: readonly object[] | undefined;
  /** The aggregate cache's entry this copy was made from (a field: cheaper than a WeakMap per command). */
  #origin: object | undefined = undefined;
  /** The first event of the history the state was built from (see history-start.ts; a field: cheaper than a WeakMap per load). */
  #historyStart: StartOfHistory | null | undefined = undefined;

  /** The aggregate id; set by the repository before replay. */
  get id(): string {
    return this.#id ?? '';
  }

  /** Revision of the last stored event applied (`-1n` for a new aggregate). */
  get revision(): bigint {
    return this.#revision;
  }

  /** @deprecated Renamed `revision` (one name for one number across Mneme); goes in 0.2. */
  get version(): bigint {
    return this.#revision;
  }

  /** Events decided since the aggregate was loaded, in order, not yet saved. */
  get pendingEvents(): readonly object[] {
    return (this.#pendingView ??= Object.freeze(this.#pending.slice()));
  }

  /**
   * Records a new event: validates it and takes its snapshot first (an invalid one throws
   * `InvalidEventError` and changes nothing), then applies it and adds it to `pendingEvents`.
   * Later changes to `event`, or to anything it references, change neither.
   */
  raise(event: object): void {
    this.#record(serializeEvent(event));
  }

  /**
   * Applies a snapshot taken when the event was decided and keeps it for the next save. The applier
   * gets an instance rebuilt from the snapshot, as replay will give it, and `pendingEvents` another
   * one, so nothing an applier does to its event (or to state the event referenced) reaches either
   * what is stored or what is reported.
   */
  #record(data: EventData): void {
    applyEvent(this, rebuildEvent(data));
    this.#pending.push(rebuildEvent(data));
    this.#pendingData.push(data);
    this.#pendingView = undefined;
  }

  static {
    aggregateInternals = {
      initialize(aggregate, id) {
        aggregate.#id = id;
      },
      replayed(aggregate, event, revision) {
        applyEvent(aggregate, event);
        aggregate.#revision = revision;
      },
      record(aggregate, events) {
        for (const { data } of events) aggregate.#record(data);
      },
      pendingData(aggregate) {
        return aggregate.#pendingData;
      },
      pendingEventsCopy(aggregate) {
        return aggregate.#pending.slice();
      },
      origin(aggregate) {
        return aggregate.#origin;
      },
      setOrigin(aggregate, origin) {
        aggregate.#origin = origin;
      },
      historyStart(aggregate) {
        return aggregate.#historyStart;
      },
      setHistoryStart(aggregate, start) {
        aggregate.#historyStart = start;
      },
      markSaved(aggregate, version) {
        // Setting an array's length is a runtime call: skipped when already empty (a fresh copy).
        if (aggregate.#pending.length > 0) aggregate.#pending.length = 0;
        if (aggregate.#pendingData.length > 0) aggregate.#pendingData.length = 0;
        aggregate.#pendingView = undefined;
        aggregate.#revision = version;
      },
    };
  }
}

/** The first event of the history a state was built from: history-start.ts's `HistoryStart` (declared here, which it imports). */
interface StartOfHistory {
  readonly revision: bigint;
  readonly id: string | undefined;
}

function applyEvent(aggregate: AggregateRoot, event: object): void {
  const applier = applierFor(aggregate.constructor, event.constructor);
  if (!applier) return;
  const result: unknown = applier.method.call(aggregate, event);
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
    // Its rejection would be unhandled and could end the process: observe it, and refuse the applier.
    Promise.resolve(result).catch(() => undefined);
    throw new InvalidAggregateError(
      aggregate.constructor.name,
      `@Apply method ${applier.name} returned a promise: appliers must be synchronous (state is evolved ` +
        `event by event during replay); do the asynchronous work in the @Handles method`,
    );
  }
}

/** Refuses a class listed as an aggregate that does not extend AggregateRoot. */
export function assertAggregateClass(type: unknown): void {
  if (typeof type !== 'function' || !(type.prototype instanceof AggregateRoot)) {
    const name = typeof type === 'function' && type.name ? type.name : describeValue(type);
    throw new InvalidAggregateError(
      name,
      `it does not extend AggregateRoot: declare it as class ${name} extends AggregateRoot`,
    );
  }
}

/** What the engine (repository, bus) may do to an aggregate that users may not. */
export interface AggregateInternals {
  initialize(aggregate: AggregateRoot, id: string): void;
  /** Applies a stored event and moves the version to its revision. */
  replayed(aggregate: AggregateRoot, event: object, revision: bigint): void;
  /**
   * Applies and records events already validated and serialized. `event` is ignored: what is applied
   * and reported is rebuilt from `data`, the snapshot taken when the event was decided.
   */
  record(aggregate: AggregateRoot, events: readonly { event?: object; data: EventData }[]): void;
  pendingData(aggregate: AggregateRoot): readonly EventData[];
  /** A new array of `pendingEvents` (without making the frozen view a save would copy again). */
  pendingEventsCopy(aggregate: AggregateRoot): object[];
  markSaved(aggregate: AggregateRoot, version: bigint): void;
  /** The repository's record of where a copy came from (its aggregate cache entry). */
  origin(aggregate: AggregateRoot): object | undefined;
  setOrigin(aggregate: AggregateRoot, origin: object | undefined): void;
  historyStart(aggregate: AggregateRoot): StartOfHistory | null | undefined;
  setHistoryStart(aggregate: AggregateRoot, start: StartOfHistory | null): void;
}
