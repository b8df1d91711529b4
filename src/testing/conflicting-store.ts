import { ConcurrencyError } from '../errors/command-errors.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import type { AppendOptions, AppendResult, EventData, EventStore } from '../store/event-store.js';
import { ANY, NO_STREAM } from '../store/expected-revision.js';
import { ForwardingEventStore } from './forwarding-event-store.js';

export interface ConflictingStoreOptions {
  /** How many of the next appends fail (default 1). */
  times?: number;
}

/**
 * A store whose next `times` appends fail with `ConcurrencyError` without writing, as if another
 * writer had won each race; everything else goes to `store`. For testing retry policies and
 * idempotency.
 */
export class ConflictingStore extends ForwardingEventStore {
  #remaining: number;
  /** Appends failed so far. */
  conflicts = 0;

  constructor(inner: EventStore, options: ConflictingStoreOptions = {}) {
    super(inner);
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 0)
      throw new InvalidConfigurationError('times', `it must be an integer >= 0, got ${String(times)}`);
    this.#remaining = times;
  }

  /** Conflicts still to come. */
  get remaining(): number {
    return this.#remaining;
  }

  override async appendToStream(
    streamName: string,
    events: EventData[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (this.#remaining === 0) return this.inner.appendToStream(streamName, events, options);
    this.#remaining -= 1;
    this.conflicts += 1;
    let actual: bigint | typeof NO_STREAM = NO_STREAM;
    for await (const last of this.inner.readStream(streamName, { direction: 'backwards', maxCount: 1 }))
      actual = last.revision;
    throw new ConcurrencyError(streamName, options.expectedRevision ?? ANY, actual);
  }
}

/** `conflictingStore(store, { times: 2 })`: the next two appends to it fail with `ConcurrencyError`. */
export function conflictingStore(store: EventStore, options: ConflictingStoreOptions = {}): ConflictingStore {
  return new ConflictingStore(store, options);
}
