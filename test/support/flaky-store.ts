import {
  EventStoreError,
  EventStoreUnavailableError,
  InMemoryEventStore,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type ReadStreamOptions,
  type RecordedEvent,
} from 'mneme';

/**
 * - `unavailable`: fails before doing anything (transient).
 * - `drop-after-write`: the append is applied, then the reply is lost (transient).
 * - `fatal`: a non-transient store failure.
 */
export type FlakyFault = 'unavailable' | 'drop-after-write' | 'fatal';
export type FlakyOperation = 'append' | 'read';

/** An in-memory store that fails the way a server does: scripted faults, or random ones from a seeded source. */
export class FlakyStore extends InMemoryEventStore {
  readonly #script: Array<{ operation: FlakyOperation; fault: FlakyFault }> = [];
  readonly calls: Record<FlakyOperation, number> = { append: 0, read: 0 };
  readonly faults: Record<FlakyFault, number> = { unavailable: 0, 'drop-after-write': 0, fatal: 0 };

  /** `random` (a seeded PRNG) picks faults for calls no scripted fault matches, with probability `rate`. */
  constructor(private random?: { next(): number; rate: number }) {
    super();
  }

  /** No more faults (scripted or random): for reading the outcome. */
  stopFaults(): void {
    this.random = undefined;
    this.#script.length = 0;
  }

  failNext(operation: FlakyOperation, fault: FlakyFault, count = 1): this {
    for (let i = 0; i < count; i++) this.#script.push({ operation, fault });
    return this;
  }

  override async appendToStream(
    streamName: string,
    events: EventData[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    this.calls.append++;
    const fault = this.#take('append');
    if (fault === 'drop-after-write') {
      await super.appendToStream(streamName, events, options);
      throw this.#error(fault, 'append', streamName);
    }
    if (fault) throw this.#error(fault, 'append', streamName);
    return super.appendToStream(streamName, events, options);
  }

  override async *readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    this.calls.read++;
    const fault = this.#take('read');
    if (fault) throw this.#error(fault, 'read', streamName);
    yield* super.readStream(streamName, options);
  }

  #take(operation: FlakyOperation): FlakyFault | undefined {
    const index = this.#script.findIndex((entry) => entry.operation === operation);
    if (index >= 0) return this.#script.splice(index, 1)[0]!.fault;
    if (this.random && this.random.next() < this.random.rate) {
      return operation === 'append' && this.random.next() < 0.5 ? 'drop-after-write' : 'unavailable';
    }
    return undefined;
  }

  #error(fault: FlakyFault, operation: FlakyOperation, streamName: string): Error {
    this.faults[fault]++;
    if (fault === 'fatal') return new EventStoreError(operation, streamName, 'access denied (injected)');
    return new EventStoreUnavailableError(operation, streamName, 'flaky://test', `${fault} (injected)`);
  }
}
