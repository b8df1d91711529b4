import { expectedRevisionAfter, replayStream } from '../aggregate/replay.js';
import { InvalidAggregateIdError } from '../errors/command-errors.js';
import { InvalidEventError } from '../errors/event-errors.js';
import { serializeEvent } from '../events/event-serializer.js';
import type { EventStore } from '../store/event-store.js';
import { cloneState } from './clone-state.js';
import { retryOnConflict, type RetryHooks } from './retry-on-conflict.js';
import { resolveRetryPolicy, type RetryOptions } from './retry-policy.js';

/** State folded from a stream's events (the Rust crate's `AggregateState`). */
export interface AggregateState<E> {
  /** Evolves the state by one event; returns the state (usually `this`). */
  apply(event: E): this;
}

/** A command of the functional core (the Rust crate's `Command`). */
export interface Command<E, S extends AggregateState<E>> {
  eventStreamId(): string;
  /** The initial state; each attempt starts from a deep copy of what this returned first. */
  getState(): S;
  /** Receives the state folded from the stream before `handle()` is called. */
  setState(state: S): void;
  /** Decides the new events from the state given to `setState`; throw to reject the command. */
  handle(): E[] | Promise<E[]>;
}

/** Retry settings of `execute` (the Rust crate's `ExecuteConfig`). */
export type ExecuteConfig = RetryOptions;

export interface ExecuteResult<E> {
  streamName: string;
  /** The events appended by the successful attempt. */
  events: E[];
  /** Revision of the stream's last event afterwards (`-1n` if still empty). */
  nextExpectedVersion: bigint;
  attempts: number;
}

/**
 * The functional core: read the stream, fold it into the state, let the command decide, append
 * with the revision read (`no_stream` for an empty stream), and retry the whole thing when another
 * writer got there first. Throws `MaxRetriesExceededError` when the retries run out.
 */
export async function execute<E extends object, S extends AggregateState<E>>(
  command: Command<E, S>,
  eventStore: EventStore,
  config: ExecuteConfig = {},
  hooks?: RetryHooks,
): Promise<ExecuteResult<E>> {
  const policy = resolveRetryPolicy(config);
  const streamName = command.eventStreamId();
  const problem = InvalidAggregateIdError.check(streamName);
  if (problem) throw new InvalidAggregateIdError(`eventStreamId() returned an invalid stream id: ${problem}`, { value: streamName });
  const initialState = cloneState(command.getState());

  return retryOnConflict(
    policy,
    async (attempts) => {
      let state = cloneState(initialState);
      const version = await replayStream(eventStore, streamName, (event) => {
        state = state.apply(event as E) ?? state;
      });
      command.setState(state);
      const events = await command.handle();
      if (!Array.isArray(events)) {
        throw new InvalidEventError(`handle() must return an array of events, got ${events === undefined ? 'undefined' : typeof events}`);
      }
      const data = events.map((event) => serializeEvent(event));
      if (data.length === 0) return { streamName, events, nextExpectedVersion: version, attempts };
      const { nextExpectedRevision } = await eventStore.appendToStream(streamName, data, {
        expectedRevision: expectedRevisionAfter(version),
      });
      for (const event of events) state = state.apply(event) ?? state;
      command.setState(state);
      return { streamName, events, nextExpectedVersion: nextExpectedRevision, attempts };
    },
    hooks,
  );
}
