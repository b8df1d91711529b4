import { stampEvents } from '../repository/command-stamp.js';
import { appendAfterRead, readBackAppended } from '../repository/command-append.js';
import { StoredCommandFinder } from '../repository/stored-command.js';
import { replayStream } from '../aggregate/replay.js';
import { InvalidAggregateError } from '../errors/aggregate-errors.js';
import { CommandTimeoutError, InvalidAggregateIdError } from '../errors/command-errors.js';
import { describeValue } from '../errors/describe-value.js';
import { InvalidEventError } from '../errors/event-errors.js';
import { deserializeEvent, rebuildEvent, serializeEvent } from '../events/event-serializer.js';
import type { EventData, EventStore } from '../store/event-store.js';
import { cloneState } from '../repository/clone-state.js';
import { CommandDeadline } from './command-deadline.js';
import { checkExecuteArguments, resolveExecuteConfig, type ExecuteConfig } from './execute-arguments.js';
import { retryCommand, type RetryHooks } from './retry-loop.js';

export type { ExecuteConfig } from './execute-arguments.js';

/** State folded from a stream's events (the Rust crate's `AggregateState`). */
export interface AggregateState<E> {
  /** Evolves the state by one event; returns the state (usually `this`, or a new state). */
  apply(event: E): this;
}

/** What `handle()` may read about the command under way. */
export interface ExecuteContext {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  /** Users' metadata added to every event (under the system keys). */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The attempt under way (1-based). */
  readonly attempt: number;
}

/** A command of the functional core (the Rust crate's `Command`). */
export interface Command<E, S extends AggregateState<E>> {
  eventStreamId(): string;
  /** The initial state; each attempt starts from a deep copy of what this returned first. */
  getState(): S;
  /**
   * Receives the state folded from the stream before `handle()` is called (a copy: what `handle()`
   * changes in it is never folded on), and once more at the end: the stream's state with the
   * command's stored events applied, as a full replay gives it.
   */
  setState(state: S): void;
  /** Decides the new events from the state given to `setState`; throw to reject the command. */
  handle(context: ExecuteContext): E[] | Promise<E[]>;
}

export interface ExecuteResult<E> {
  streamName: string;
  /** The events stored for this command (for a re-sent command, or a send that lost a race to its twin: the events stored then). */
  events: E[];
  /** Revision of the stream's last event afterwards (`-1n` if still empty); for a re-sent command, of its last event. */
  nextExpectedRevision: bigint;
  attempts: number;
}

/**
 * The functional core: read the stream, fold it into the state, let the command decide, append
 * with the revision read (`no_stream` for an empty stream), and retry the whole thing when another
 * writer got there first or the store was briefly unavailable. It keeps the command bus's promises,
 * with the same code: a re-send whose events are among the stream's last `COMMAND_WINDOW` events
 * resolves to them without deciding again, an older one fails with `CommandOutsideWindowError`; a
 * send that loses the race to a twin (the same `commandId` at once) resolves to the events stored.
 * Conflicts are retried until the command's timeout (`config.timeoutMs`, default 30 s), then it
 * fails with `CommandTimeoutError` and nothing decided later is written;
 * `TransientRetriesExceededError` when the store stays unavailable through the transient retries,
 * `MaxRetriesExceededError` when `maxRetries` (if set) runs out.
 */
export async function execute<E extends object, S extends AggregateState<E>>(
  command: Command<E, S>,
  eventStore: EventStore,
  config: ExecuteConfig = {},
  hooks?: RetryHooks,
): Promise<ExecuteResult<E>> {
  const { policy, stamp, timeoutMs, idChosen } = resolveExecuteConfig(config);
  checkExecuteArguments(command, eventStore);
  const streamName = command.eventStreamId();
  const problem = InvalidAggregateIdError.check(streamName);
  if (problem)
    throw new InvalidAggregateIdError(`eventStreamId() returned an invalid stream id: ${problem}`, {
      value: streamName,
    });
  const initialState = cloneState(command.getState());
  let attempt = 1;
  const commandType = (command as object).constructor?.name || 'Command';
  const deadline = new CommandDeadline(
    timeoutMs,
    (d) => new CommandTimeoutError(commandType, streamName, undefined, timeoutMs, attempt, d.lastError),
  );

  return deadline.bound(() =>
    retryCommand(
      policy,
      async (attempts) => {
        attempt = attempts;
        let state = cloneState(initialState);
        const finder = new StoredCommandFinder(stamp.commandId);
        const version = await replayStream(eventStore, streamName, (event, recorded) => {
          state = applyTo(state, event as E);
          finder.see(recorded);
        });
        const stored = finder.stored(streamName, version);
        if (stored) {
          command.setState(state);
          return { streamName, events: stored.events as E[], nextExpectedRevision: stored.lastRevision, attempts };
        }
        deadline.check();

        // The command decides on its own copy: what handle() changes in it outside apply() is never folded on.
        command.setState(cloneState(state));
        const events: unknown = await command.handle({ ...stamp, attempt: attempts });
        // Decided too late: the caller has its CommandTimeoutError, and nothing of this is written.
        deadline.check();
        const serialized = serializeAll(events);
        if (serialized.length === 0) {
          command.setState(state);
          return { streamName, events: [], nextExpectedRevision: version, attempts };
        }
        const data = stampEvents(serialized, stamp);
        const { nextExpectedRevision } = await appendAfterRead(eventStore, streamName, data, version);
        const firstRevision = nextExpectedRevision - BigInt(data.length) + 1n;
        let saved: E[];
        // Another send of this id may have stored its events first (the id was chosen, or an earlier
        // attempt appended): the store then answers as done, and what it holds is read back.
        if ((idChosen || attempts > 1) && firstRevision > version) {
          const records = await readBackAppended(eventStore, streamName, firstRevision, data);
          // Stored before, then deleted or truncated: the command is done, with nothing to show.
          saved = records ? records.map((recorded) => deserializeEvent(recorded) as E) : [];
        } else {
          // What was stored, rebuilt as replay will build it: later changes to the handler's objects do not count.
          saved = serialized.map((event) => rebuildEvent(event) as E);
        }
        for (const event of saved) state = applyTo(state, event);
        command.setState(state);
        return { streamName, events: saved, nextExpectedRevision, attempts };
      },
      hooks,
      deadline,
    ),
  );
}

/** The state after `event`: what `apply` returned (undefined: the same state), refused unless it is a state. */
function applyTo<E, S extends AggregateState<E>>(state: S, event: E): S {
  const next: unknown = state.apply(event);
  if (next === undefined) return state;
  if (typeof next !== 'object' || next === null || typeof (next as Partial<S>).apply !== 'function') {
    const type = (state as object).constructor?.name || 'state';
    throw new InvalidAggregateError(
      type,
      `apply() returned ${describeValue(next)}; it must return the state (this, or a new state with apply())`,
    );
  }
  return next as S;
}

/**
 * Validates and snapshots what `handle()` returned, at once, before anything is appended: an array
 * of @EventType instances (read once, index by index: a hole is refused like any non-event).
 */
function serializeAll(events: unknown): EventData[] {
  if (!Array.isArray(events)) {
    throw new InvalidEventError(
      `handle() must return an array of events, got ${events === undefined ? 'undefined' : describeValue(events)}`,
    );
  }
  const length = events.length;
  const serialized = new Array<EventData>(length);
  for (let i = 0; i < length; i++) serialized[i] = serializeEvent(events[i]);
  return serialized;
}
