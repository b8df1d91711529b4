import { InvalidAggregateIdError } from '../errors/command-errors.js';
import type { EventStore } from '../store/event-store.js';
import type { LoadProbe, MnemeTelemetry } from '../telemetry/mneme-telemetry.js';
import { aggregateDefinition, streamNameFor } from '../aggregate/aggregate-definition.js';
import { aggregateInternals, assertAggregateClass, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { setHistoryStart, type HistoryStart } from '../aggregate/history-start.js';
import { replayStream, type ReplayObserver } from '../aggregate/replay.js';
import type { AggregateSnapshots } from '../snapshots/aggregate-snapshots.js';

/**
 * A fresh aggregate from the store, inside the `mneme.load` span: from its latest usable snapshot
 * and the events after it when its class takes snapshots, otherwise its whole stream replayed.
 */
export class AggregateLoader {
  constructor(
    readonly eventStore: EventStore,
    readonly telemetry: MnemeTelemetry,
    readonly snapshots: AggregateSnapshots | undefined,
  ) {}

  /** Not async (its callers are, so its throws still reject): one promise fewer per load. */
  load<A extends AggregateRoot>(type: new () => A, id: string, observe: ReplayObserver | undefined): Promise<A> {
    assertAggregateClass(type);
    const problem = InvalidAggregateIdError.check(id);
    if (problem) throw new InvalidAggregateIdError(problem, { value: id });
    const streamName = streamNameFor(aggregateDefinition(type), id);
    return this.telemetry.load(type.name, streamName, (probe) => this.#replay(type, id, streamName, observe, probe));
  }

  async #replay<A extends AggregateRoot>(
    type: new () => A,
    id: string,
    streamName: string,
    observe: ReplayObserver | undefined,
    probe: LoadProbe,
  ): Promise<A> {
    // With a snapshot policy: the latest snapshot and the events after it, if there is a usable one.
    const fromSnapshot = await this.snapshots?.load(type, id, streamName, observe, probe);
    if (fromSnapshot) return fromSnapshot;
    const aggregate = new type();
    aggregateInternals.initialize(aggregate, id);
    let start: HistoryStart | null = null;
    await replayStream(this.eventStore, streamName, (event, recorded) => {
      probe.eventsRead++;
      start ??= { revision: recorded.revision, id: recorded.id };
      aggregateInternals.replayed(aggregate, event, recorded.revision);
      observe?.(recorded, () => event);
    });
    setHistoryStart(aggregate, start);
    return aggregate;
  }
}
