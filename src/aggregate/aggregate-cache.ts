import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { describeValue } from '../errors/describe-value.js';
import { cloneState } from './clone-state.js';
import type { RecordedEvent } from '../store/event-store.js';
import { aggregateInternals, type AggregateRoot } from './aggregate-root.js';
import { COMMAND_ID_KEY } from './command-stamp.js';

/** Aggregates a container keeps by default (see `mnemeModule`'s `aggregateCache`). */
export const DEFAULT_AGGREGATE_CACHE_SIZE = 1000;

/** The cache option: `false` (no cache) or `{ maxEntries }`. */
export type AggregateCacheOption = false | { maxEntries?: number };

/** How many aggregates to keep, undefined for no cache; throws `InvalidConfigurationError` for anything else. */
export function resolveAggregateCacheSize(option: unknown, path = 'aggregateCache'): number | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) return DEFAULT_AGGREGATE_CACHE_SIZE;
  if (typeof option !== 'object' || option === null || Array.isArray(option) || Object.keys(option).some((key) => key !== 'maxEntries')) {
    throw new InvalidConfigurationError(path, `expected false or { maxEntries?: number }, got ${describeValue(option)}`);
  }
  const { maxEntries } = option as { maxEntries?: unknown };
  if (maxEntries === undefined) return DEFAULT_AGGREGATE_CACHE_SIZE;
  if (typeof maxEntries !== 'number' || !Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new InvalidConfigurationError(`${path}.maxEntries`, `expected an integer >= 1, got ${describeValue(maxEntries)}`);
  }
  return maxEntries;
}

/**
 * One cached aggregate: its state at `aggregate.version`, never handed to a handler (commands get
 * copies), and the events that commands wrote among the last `window` revisions it saw, so a
 * re-sent command is still recognised without reading the stream from the start.
 */
export class CachedAggregate {
  aggregate!: AggregateRoot;
  /** Events with a command id, oldest first, none more than `window` revisions behind the last. */
  readonly #written: RecordedEvent[] = [];

  constructor(
    readonly type: Function,
    readonly window: number,
  ) {}

  /** Remembers an event read or saved (in stream order), forgetting what falls out of the window. */
  remember(recorded: RecordedEvent): void {
    if (typeof recorded.metadata?.[COMMAND_ID_KEY] === 'string') this.#written.push(recorded);
    const oldest = recorded.revision - BigInt(this.window);
    while (this.#written.length > 0 && this.#written[0]!.revision <= oldest) this.#written.shift();
  }

  /** The remembered events of command `commandId`, in order. */
  writtenBy(commandId: string): RecordedEvent[] | undefined {
    let found: RecordedEvent[] | undefined;
    for (const recorded of this.#written) if (recorded.metadata[COMMAND_ID_KEY] === commandId) (found ??= []).push(recorded);
    return found;
  }
}

/** A bounded map of stream name -> cached aggregate, the least recently used dropped first. */
export class AggregateCache {
  readonly #entries = new Map<string, CachedAggregate>();

  constructor(readonly maxEntries: number) {}

  get(streamName: string): CachedAggregate | undefined {
    const entry = this.#entries.get(streamName);
    if (entry) {
      this.#entries.delete(streamName);
      this.#entries.set(streamName, entry);
    }
    return entry;
  }

  /** Without touching the order. */
  peek(streamName: string): CachedAggregate | undefined {
    return this.#entries.get(streamName);
  }

  set(streamName: string, entry: CachedAggregate): void {
    this.#entries.delete(streamName);
    this.#entries.set(streamName, entry);
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Drops the entry, if it is still `entry` (a newer one is kept). */
  delete(streamName: string, entry?: CachedAggregate): void {
    if (entry === undefined || this.#entries.get(streamName) === entry) this.#entries.delete(streamName);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * A copy of an aggregate sharing nothing with it: a new instance (its constructor and field
 * initialisers run, as for a load), its own enumerable fields deep-copied over (shared and cyclic
 * references kept), its id and revision set. Throws `StateNotCopyableError` for state that cannot
 * be copied faithfully (functions, instances of classes with #private fields, ...).
 */
export function copyAggregate<A extends AggregateRoot>(aggregate: A): A {
  const fields = cloneState({ ...aggregate }) as Record<string, unknown>;
  const copy = new (aggregate.constructor as new () => A)();
  for (const key of Object.keys(fields)) (copy as Record<string, unknown>)[key] = fields[key];
  aggregateInternals.initialize(copy, aggregate.id);
  aggregateInternals.markSaved(copy, aggregate.version);
  return copy;
}
