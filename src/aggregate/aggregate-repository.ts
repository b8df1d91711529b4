import { InvalidAggregateIdError } from '../errors/command-errors.js';
import type { SnapshotLogger } from '../snapshots/snapshot-logger.js';
import { EventStore, type EventData } from '../store/event-store.js';
import { MnemeTelemetry, type LoadProbe } from '../telemetry/mneme-telemetry.js';
import { aggregateDefinition, streamNameFor } from './aggregate-definition.js';
import { aggregateInternals, assertAggregateClass, type AggregateRoot } from './aggregate-root.js';
import { AggregateSnapshots } from './aggregate-snapshots.js';
import { stampEvents, writtenBy } from './command-stamp.js';
import { expectedRevisionAfter, replayStream, type ReplayObserver } from './replay.js';

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
  nextExpectedRevision: bigint;
  /** The events written, in order. */
  events: readonly object[];
}

export interface AggregateRepositoryOptions {
  /** Where snapshot problems (which never fail a command) are reported; silent by default. */
  logger?: SnapshotLogger;
  /** `false`: ignore snapshot policies, always replay the whole stream and write no snapshots. */
  snapshots?: boolean;
  /** Spans and metrics of loads and appends; default: the global OpenTelemetry providers. */
  telemetry?: MnemeTelemetry;
}

/** Events a command already stored, found while replaying its aggregate. */
export interface StoredCommandEvents {
  readonly events: readonly object[];
  /** Revision of the last of them. */
  readonly lastRevision: bigint;
}

/** Loads aggregates by replaying their streams; saves their pending events with optimistic concurrency. */
export class AggregateRepository {
  readonly #snapshots: AggregateSnapshots | undefined;
  readonly #telemetry: MnemeTelemetry;

  constructor(
    readonly eventStore: EventStore,
    options: AggregateRepositoryOptions = {},
  ) {
    this.#snapshots = options.snapshots === false ? undefined : new AggregateSnapshots(eventStore, options.logger);
    this.#telemetry = options.telemetry ?? new MnemeTelemetry();
  }

  /** A fresh aggregate with its stream replayed; a missing stream gives a new aggregate (version -1n). */
  async load<A extends AggregateRoot>(type: new () => A, id: string): Promise<A> {
    return this.#load(type, id, undefined);
  }

  /**
   * Like `load`, and also collects the events of the stream that command `commandId` stored (by
   * their `commandId` metadata), so a re-sent command can be answered without deciding again.
   * Only the events read are searched: the whole stream, or with a snapshot the events after it
   * and the `COMMAND_LOOKBACK` events before it.
   */
  async loadForCommand<A extends AggregateRoot>(
    type: new () => A,
    id: string,
    commandId: string,
  ): Promise<{ aggregate: A; stored: StoredCommandEvents | undefined }> {
    let found: object[] | undefined;
    let lastRevision = -1n;
    const aggregate = await this.#load(type, id, (recorded, event) => {
      if (!writtenBy(recorded, commandId)) return;
      (found ??= []).push(event());
      lastRevision = recorded.revision;
    });
    return { aggregate, stored: found && { events: found, lastRevision } };
  }

  /**
   * Appends the pending events, expecting the stream to be where it was when the aggregate was
   * loaded (`no_stream` for a new one): a concurrent writer makes this throw `ConcurrencyError`.
   */
  async save(aggregate: AggregateRoot, options: SaveOptions = {}): Promise<SaveResult> {
    assertAggregateClass(typeof aggregate === 'object' && aggregate !== null ? aggregate.constructor : aggregate);
    const pending = aggregateInternals.pendingData(aggregate);
    const events = [...aggregate.pendingEvents];
    if (pending.length === 0) return { nextExpectedRevision: aggregate.revision, events };
    const streamName = streamNameFor(aggregateDefinition(aggregate.constructor), aggregate.id);
    const data = toAppend(pending, options);
    // Decided (and the state checked) before anything is written; written only after the append.
    const snapshot = this.#snapshots?.prepare(aggregate, aggregate.revision + BigInt(data.length), data.at(-1)?.id);
    const expectedRevision = expectedRevisionAfter(aggregate.revision);
    const { nextExpectedRevision } = await this.#telemetry.append(aggregate.constructor.name, streamName, data.length, expectedRevision, () =>
      this.eventStore.appendToStream(streamName, data, { expectedRevision }),
    );
    aggregateInternals.markSaved(aggregate, nextExpectedRevision);
    if (snapshot) await this.#snapshots!.write(snapshot, nextExpectedRevision);
    return { nextExpectedRevision, events };
  }

  /** Not async (its callers are, so its throws still reject): one promise fewer per load. */
  #load<A extends AggregateRoot>(type: new () => A, id: string, observe: ReplayObserver | undefined): Promise<A> {
    assertAggregateClass(type);
    const problem = InvalidAggregateIdError.check(id);
    if (problem) throw new InvalidAggregateIdError(problem, { value: id });
    const streamName = streamNameFor(aggregateDefinition(type), id);
    return this.#telemetry.load(type.name, streamName, (probe) => this.#replay(type, id, streamName, observe, probe));
  }

  async #replay<A extends AggregateRoot>(type: new () => A, id: string, streamName: string, observe: ReplayObserver | undefined, probe: LoadProbe): Promise<A> {
    // With a snapshot policy: the latest snapshot and the events after it, if there is a usable one.
    const fromSnapshot = await this.#snapshots?.load(type, id, streamName, observe, probe);
    if (fromSnapshot) return fromSnapshot;
    const aggregate = new type();
    aggregateInternals.initialize(aggregate, id);
    await replayStream(this.eventStore, streamName, (event, recorded) => {
      probe.eventsRead++;
      aggregateInternals.replayed(aggregate, event, recorded.revision);
      observe?.(recorded, () => event);
    });
    return aggregate;
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
