import { checkOptions, rule } from '../options/option-checks.js';
import { cloneState } from './clone-state.js';
import type { RecordedEvent } from '../store/event-store.js';
import { aggregateInternals, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { COMMAND_ID_KEY } from './command-stamp.js';

/** Aggregates a container keeps by default (see `mnemeModule`'s `aggregateCache`). */
export const DEFAULT_AGGREGATE_CACHE_SIZE = 1000;

/** The cache option: `false` (no cache) or `{ maxEntries }`. */
export type AggregateCacheOption = false | { maxEntries?: number };

/** How many aggregates to keep, undefined for no cache; throws `InvalidConfigurationError` for anything else. */
export function resolveAggregateCacheSize(option: unknown, path = 'aggregateCache'): number | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) return DEFAULT_AGGREGATE_CACHE_SIZE;
  checkOptions(option, path, { maxEntries: rule.integer(1) }, 'false or { maxEntries?: number }');
  return (option as { maxEntries?: number }).maxEntries ?? DEFAULT_AGGREGATE_CACHE_SIZE;
}

/**
 * One cached aggregate: its state at `aggregate.revision`, never handed to a handler (commands get
 * copies), and the events that commands wrote among the last `window` revisions it saw, so a
 * re-sent command is still recognised without reading the stream from the start. A command whose
 * first event falls out of the window is forgotten whole (never answered with part of its events);
 * the ids of the last `window` to `2 * window` commands forgotten are kept, so a re-send just outside is reported.
 */
export class CachedAggregate {
  aggregate!: AggregateRoot;
  /** The id of the event at `aggregate.revision` (the catch-up checks it is still there). */
  lastEventId: string | undefined;
  /** Events with a command id, oldest first, none more than `window` revisions behind the last. */
  readonly #written: RecordedEvent[] = [];
  #first = 0;
  /** The same events by command id. */
  readonly #byCommand = new Map<string, RecordedEvent[]>();
  /**
   * Commands that fell out of the window: the latest up to `window`, and the `window` before them.
   * Made on the first one forgotten: most entries never forget one, and each cache miss makes an entry.
   */
  #forgotten: Set<string> | undefined;
  #forgottenBefore: ReadonlySet<string> = EMPTY;
  /** `window` as a bigint, converted once (revisions are bigints). */
  readonly #windowRevisions: bigint;

  constructor(
    readonly type: Function,
    readonly window: number,
  ) {
    this.#windowRevisions = BigInt(window);
  }

  /** Remembers an event read or saved (in stream order), forgetting what falls out of the window. */
  remember(recorded: RecordedEvent): void {
    this.lastEventId = recorded.id;
    const commandId = recorded.metadata?.[COMMAND_ID_KEY];
    if (typeof commandId === 'string') {
      this.#written.push(recorded);
      const same = this.#byCommand.get(commandId);
      if (same) same.push(recorded);
      else this.#byCommand.set(commandId, [recorded]);
    }
    const oldest = recorded.revision - this.#windowRevisions;
    const written = this.#written;
    while (this.#first < written.length && written[this.#first]!.revision <= oldest) {
      const forgotten = written[this.#first++]!;
      const id = forgotten.metadata[COMMAND_ID_KEY] as string;
      if (!this.#byCommand.delete(id)) continue; // its earlier events took the whole command
      if (this.#forgotten === undefined) this.#forgotten = new Set();
      else if (this.#forgotten.size >= this.window) {
        this.#forgottenBefore = this.#forgotten;
        this.#forgotten = new Set();
      }
      this.#forgotten.add(id);
    }
    if (this.#first > 1024) {
      written.splice(0, this.#first);
      this.#first = 0;
    }
  }

  /** The remembered events of command `commandId`, in order. */
  writtenBy(commandId: string): readonly RecordedEvent[] | undefined {
    return this.#byCommand.get(commandId);
  }

  /** True when command `commandId` was seen but has fallen out of the window (one of the last `window` such, at least). */
  forgot(commandId: string): boolean {
    return this.#forgotten !== undefined && (this.#forgotten.has(commandId) || this.#forgottenBefore.has(commandId));
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * A bounded map of stream name -> cached aggregate; when full, the least recently used is dropped.
 * Use is stamped with a counter rather than by reordering the map: a lookup stays one Map read,
 * and the scan for the oldest happens only when a new aggregate is added to a full cache.
 */
export class AggregateCache {
  readonly #entries = new Map<string, { entry: CachedAggregate; used: number }>();
  #clock = 0;

  constructor(readonly maxEntries: number) {}

  get(streamName: string): CachedAggregate | undefined {
    const slot = this.#entries.get(streamName);
    if (!slot) return undefined;
    slot.used = ++this.#clock;
    return slot.entry;
  }

  /** Without counting as a use. */
  peek(streamName: string): CachedAggregate | undefined {
    return this.#entries.get(streamName)?.entry;
  }

  set(streamName: string, entry: CachedAggregate): void {
    const slot = this.#entries.get(streamName);
    if (slot) {
      slot.entry = entry;
      slot.used = ++this.#clock;
      return;
    }
    if (this.#entries.size >= this.maxEntries) this.#evictOldest();
    this.#entries.set(streamName, { entry, used: ++this.#clock });
  }

  /** Drops the entry, if it is still `entry` (a newer one is kept). */
  delete(streamName: string, entry?: CachedAggregate): void {
    if (entry === undefined || this.#entries.get(streamName)?.entry === entry) this.#entries.delete(streamName);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Drops the least recently used entries, 1/16th of `maxEntries` at once (at least one), found in
   * one scan: a working set larger than the cache then costs one scan per maxEntries/16 misses, not
   * a scan of every entry on every miss (about 30 µs per miss at 1,000 entries, measured).
   */
  #evictOldest(): void {
    const count = Math.max(1, Math.floor(this.maxEntries / 16));
    if (count === 1) {
      let oldest: string | undefined;
      let oldestUse = Infinity;
      for (const [streamName, slot] of this.#entries) {
        if (slot.used < oldestUse) [oldest, oldestUse] = [streamName, slot.used];
      }
      if (oldest !== undefined) this.#entries.delete(oldest);
      return;
    }
    // Use stamps are distinct (one clock): the count-th smallest is the last one to drop.
    const stamps = new Float64Array(this.#entries.size);
    let at = 0;
    for (const slot of this.#entries.values()) stamps[at++] = slot.used;
    stamps.sort();
    const last = stamps[Math.min(count, stamps.length) - 1]!;
    for (const [streamName, slot] of this.#entries) if (slot.used <= last) this.#entries.delete(streamName);
  }
}

/**
 * A copy of an aggregate sharing nothing with it: a new instance (its constructor and field
 * initialisers run, as for a load), its own enumerable fields deep-copied over (shared and cyclic
 * references kept), its id and revision set. Throws `StateNotCopyableError` for state that cannot
 * be copied faithfully (functions, instances of classes with #private fields, ...).
 */
export function copyAggregate<A extends AggregateRoot>(aggregate: A): A {
  const source = aggregate as unknown as Record<string, unknown>;
  let keys = Object.keys(source);
  // Primitives are immutable: state made only of them (the common case) is copied field by field,
  // with no intermediate object; anything else goes through a deep copy of all the fields.
  let fields = source;
  for (const key of keys) {
    const value = source[key];
    if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
      fields = cloneState({ ...source });
      keys = Object.keys(fields);
      break;
    }
  }
  const copy = new (aggregate.constructor as new () => A)() as unknown as Record<string, unknown>;
  for (const key of keys) copy[key] = fields[key];
  aggregateInternals.initialize(copy as unknown as A, aggregate.id);
  aggregateInternals.markSaved(copy as unknown as A, aggregate.revision);
  return copy as unknown as A;
}
