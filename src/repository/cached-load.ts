import { StateNotCopyableError } from '../errors/aggregate-errors.js';
import { CommandOutsideWindowError, InvalidAggregateIdError } from '../errors/command-errors.js';
import { deserializeEvent } from '../events/event-serializer.js';
import { aggregateDefinition, streamNameFor } from '../aggregate/aggregate-definition.js';
import { aggregateInternals, assertAggregateClass, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { COMMAND_WINDOW } from '../aggregate/command-window.js';
import { AggregateCache, CachedAggregate, copyAggregate } from './aggregate-cache.js';
import type { AggregateLoader } from './aggregate-loader.js';
import { catchUp, StaleCacheError } from './cache-catch-up.js';
import { writtenBy } from './command-stamp.js';
import { loadReplaying } from './replaying-load.js';
import type { LoadedForCommand } from './stored-command-events.js';

/**
 * A command's aggregate from the cache: the cached state caught up with the events written since
 * it was cached (only those are read; a conflict retried lands here too, so it reads only what the
 * other writer added), and a copy of it handed out, so the cache never holds what a handler did
 * until it is saved. A re-sent command is recognised among the events the entry remembers.
 */
export class CachedLoad {
  /** Aggregate classes whose state cannot be copied faithfully: never cached. */
  readonly #uncopyable = new WeakSet<Function>();

  readonly #cache: AggregateCache;
  readonly #loader: AggregateLoader;

  constructor(cache: AggregateCache, loader: AggregateLoader) {
    this.#cache = cache;
    this.#loader = loader;
  }

  /** Whether commands on `type` load through the cache (false once its state proved uncopyable). */
  copies(type: Function): boolean {
    return !this.#uncopyable.has(type);
  }

  async load<A extends AggregateRoot>(type: new () => A, id: string, commandId: string): Promise<LoadedForCommand<A>> {
    const cache = this.#cache;
    const loader = this.#loader;
    assertAggregateClass(type);
    const problem = InvalidAggregateIdError.check(id);
    if (problem) throw new InvalidAggregateIdError(problem, { value: id });
    const streamName = streamNameFor(aggregateDefinition(type), id);
    let entry = cache.get(streamName);
    if (entry?.type !== type) entry = undefined;
    /** The first event of command `commandId` a fresh load read (to report a re-send outside the window). */
    let firstSeen: bigint | undefined;
    try {
      if (entry) {
        try {
          const cached = entry;
          await loader.telemetry.load(type.name, streamName, (probe) =>
            catchUp(loader.eventStore, cached, streamName, probe),
          );
        } catch (error) {
          if (!(error instanceof StaleCacheError)) throw error;
          cache.delete(streamName, entry);
          entry = undefined;
        }
      }
      if (!entry) {
        const loading = new CachedAggregate(type, COMMAND_WINDOW);
        loading.aggregate = await loader.load(type, id, (recorded) => {
          if (firstSeen === undefined && writtenBy(recorded, commandId)) firstSeen = recorded.revision;
          loading.remember(recorded);
        });
        entry = loading;
        const current = cache.peek(streamName);
        if (!current || current.type !== type || current.aggregate.revision < loading.aggregate.revision) {
          cache.set(streamName, loading);
        }
      }
    } catch (error) {
      // Never keep an entry a failed read or applier may have left half caught up.
      if (entry) cache.delete(streamName, entry);
      throw error;
    }
    const written = entry.writtenBy(commandId);
    if (!written && (firstSeen !== undefined || entry.forgot(commandId))) {
      throw new CommandOutsideWindowError(commandId, streamName, firstSeen, entry.aggregate.revision, COMMAND_WINDOW);
    }
    const stored = written && {
      events: written.map((recorded) => deserializeEvent(recorded)),
      lastRevision: written.at(-1)!.revision,
    };
    let copy: A;
    try {
      copy = copyAggregate(entry.aggregate as A);
    } catch (error) {
      if (!StateNotCopyableError.is(error)) throw error;
      // Such state is never cached: this command and later ones replay (the entry's instance may
      // already be in another command's hands, so it is not handed out).
      this.#uncopyable.add(type);
      cache.delete(streamName, entry);
      return loadReplaying(loader, type, id, commandId);
    }
    loader.snapshots?.inherit(entry.aggregate, copy);
    // Copies handed to commands know their entry (to advance it after a save).
    aggregateInternals.setOrigin(copy, entry);
    return { aggregate: copy, stored };
  }
}
