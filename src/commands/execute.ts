import { stampEvents, writtenBy, type CommandStamp } from '../repository/command-stamp.js';
import { expectedRevisionAfter, replayStream } from '../aggregate/replay.js';
import { InvalidAggregateIdError } from '../errors/command-errors.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { InvalidEventError } from '../errors/event-errors.js';
import { rebuildEvent, serializeEvent } from '../events/event-serializer.js';
import type { EventStore } from '../store/event-store.js';
import { cloneState } from '../repository/clone-state.js';
import { CommandTimeoutError } from '../errors/command-errors.js';
import { CommandDeadline, DEFAULT_COMMAND_TIMEOUT_MS } from './command-deadline.js';
import { COMMAND_OPTION_KEYS, commandTimeoutMs, resolveCommandStamp, type CommandOptions } from './command-options.js';
import { describeValue } from '../errors/describe-value.js';
import { checkKnownKeys, isPlainObject } from '../options/option-checks.js';
import { retryCommand, type RetryHooks } from './retry-loop.js';
import { RETRY_OPTION_KEYS, resolveRetryPolicy, type RetryOptions, type RetryPolicy } from './retry-policy.js';

/** State folded from a stream's events (the Rust crate's `AggregateState`). */
export interface AggregateState<E> {
  /** Evolves the state by one event; returns the state (usually `this`). */
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
  /** Receives the state folded from the stream before `handle()` is called. */
  setState(state: S): void;
  /** Decides the new events from the state given to `setState`; throw to reject the command. */
  handle(context: ExecuteContext): E[] | Promise<E[]>;
}

/** Retry settings and command options of `execute` (the Rust crate's `ExecuteConfig`, plus ids). */
export interface ExecuteConfig extends RetryOptions, CommandOptions {}

export interface ExecuteResult<E> {
  streamName: string;
  /** The events appended by the successful attempt (for a re-sent command: the events it stored then). */
  events: E[];
  /** Revision of the stream's last event afterwards (`-1n` if still empty); for a re-sent command, of its last event. */
  nextExpectedRevision: bigint;
  attempts: number;
}

const EXECUTE_CONFIG_KEYS = [...RETRY_OPTION_KEYS, ...COMMAND_OPTION_KEYS];

/**
 * The functional core: read the stream, fold it into the state, let the command decide, append
 * with the revision read (`no_stream` for an empty stream), and retry the whole thing when another
 * writer got there first or the store was briefly unavailable. If the stream already holds events
 * of this `commandId`, resolves to them without deciding again. Conflicts are retried until the
 * command's timeout (`config.timeoutMs`, default 30 s), then it fails with `CommandTimeoutError` and
 * nothing decided later is written; `TransientRetriesExceededError` when the store stays unavailable
 * through the transient retries, `MaxRetriesExceededError` when `maxRetries` (if set) runs out.
 */
export async function execute<E extends object, S extends AggregateState<E>>(
  command: Command<E, S>,
  eventStore: EventStore,
  config: ExecuteConfig = {},
  hooks?: RetryHooks,
): Promise<ExecuteResult<E>> {
  const { policy, stamp, timeoutMs } = resolveExecuteConfig(config);
  const streamName = command.eventStreamId();
  const problem = InvalidAggregateIdError.check(streamName);
  if (problem) throw new InvalidAggregateIdError(`eventStreamId() returned an invalid stream id: ${problem}`, { value: streamName });
  const initialState = cloneState(command.getState());
  let attempt = 1;
  const commandType = (command as object).constructor?.name || 'Command';
  const deadline = new CommandDeadline(timeoutMs, (d) => new CommandTimeoutError(commandType, streamName, undefined, timeoutMs, attempt, d.lastError));

  return deadline.bound(() => retryCommand(
    policy,
    async (attempts) => {
      attempt = attempts;
      let state = cloneState(initialState);
      let stored: E[] | undefined;
      let storedLast = -1n;
      const version = await replayStream(eventStore, streamName, (event, recorded) => {
        state = state.apply(event as E) ?? state;
        if (writtenBy(recorded, stamp.commandId)) {
          (stored ??= []).push(event as E);
          storedLast = recorded.revision;
        }
      });
      command.setState(state);
      if (stored) return { streamName, events: stored, nextExpectedRevision: storedLast, attempts };
      deadline.check();

      const events = await command.handle({ ...stamp, attempt: attempts });
      // Decided too late: the caller has its CommandTimeoutError, and nothing of this is written.
      deadline.check();
      if (!Array.isArray(events)) {
        throw new InvalidEventError(`handle() must return an array of events, got ${events === undefined ? 'undefined' : typeof events}`);
      }
      const serialized = events.map((event) => serializeEvent(event));
      if (serialized.length === 0) return { streamName, events: [], nextExpectedRevision: version, attempts };
      const { nextExpectedRevision } = await eventStore.appendToStream(streamName, stampEvents(serialized, stamp), {
        expectedRevision: expectedRevisionAfter(version),
      });
      // What was stored, rebuilt as replay will build it: later changes to the handler's objects do not count.
      const decided = serialized.map((event) => rebuildEvent(event) as E);
      for (const event of decided) state = state.apply(event) ?? state;
      command.setState(state);
      return { streamName, events: decided, nextExpectedRevision: nextExpectedRevision, attempts };
    },
    hooks,
    deadline,
  ));
}

/** Splits the one config object into the retry policy and the command's stamp, rejecting unknown keys. */
function resolveExecuteConfig(config: ExecuteConfig): { policy: RetryPolicy; stamp: CommandStamp; timeoutMs: number } {
  if (!isPlainObject(config)) throw new InvalidConfigurationError('config', `expected an options object, got ${describeValue(config)}`);
  checkKnownKeys(config, EXECUTE_CONFIG_KEYS, 'config');
  const retry: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) (RETRY_OPTION_KEYS.includes(key) ? retry : options)[key] = value;
  const stamp = resolveCommandStamp(options, 'config');
  return { policy: resolveRetryPolicy(retry, 'config'), stamp, timeoutMs: commandTimeoutMs(options, DEFAULT_COMMAND_TIMEOUT_MS, 'config') };
}
