import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';
import { EventStoreUnavailableError } from './store-errors.js';
import { describeValue } from './describe-value.js';

/**
 * Every attempt of a command lost the race for its stream, and the `retry.maxRetries` you set ran
 * out (without one, conflicts are retried until the command's timeout). The last conflict is the `cause`.
 */
export class MaxRetriesExceededError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_MAX_RETRIES_EXCEEDED';
  declare readonly cause: ConcurrencyError;

  constructor(
    readonly streamName: string,
    readonly attempts: number,
    cause: ConcurrencyError,
  ) {
    super(
      `Gave up on stream '${streamName}' after ${attempts} attempt${attempts === 1 ? '' : 's'}: ` +
        `other writers kept appending first. Raise retry.maxRetries, or leave it unset (conflicts are then retried until the command's timeout), or reduce contention on this stream.`,
      { cause },
    );
  }
}

/**
 * The store's ExpectedRevision and ActualRevision, spelled out: errors import nothing of ours, so
 * the store's types are checked against these in test/unit/concurrency-error-types.test.ts.
 */
type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;
type ActualRevision = 'no_stream' | bigint;

/**
 * An append was refused because the stream is not at the expected revision: another writer got
 * there first. The command bus retries these; direct store users should reload and decide again.
 */
export class ConcurrencyError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_CONCURRENCY_CONFLICT';

  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
    /** `message` replaces the generated one (subclasses word their own). */
    options: { cause?: unknown; message?: string } = {},
  ) {
    super(
      options.message ??
        `Append to stream '${streamName}' expected ${formatRevision(expected)} but the stream is at ` +
          `${formatRevision(actual)}: another writer appended first. Reload the stream and decide again.`,
      { cause: options.cause },
    );
  }
}

function formatRevision(revision: ExpectedRevision | ActualRevision): string {
  return typeof revision === 'bigint' ? `revision ${revision}` : revision;
}

export interface DomainErrorOptions {
  cause?: unknown;
  /** Facts about the rejection, for programs (kept as `details`). */
  details?: Record<string, unknown>;
}

/**
 * Thrown by users' command handlers to reject a command. It propagates unchanged: never retried,
 * nothing written. Subclass it to give rejections their own class and `code`.
 */
export class DomainError extends MnemeError {
  static override readonly code: string = 'MNEME_DOMAIN_REJECTED';
  readonly details: Record<string, unknown>;

  constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options);
    this.details = options.details ?? {};
  }
}

/** What was given to `bus.execute` or `execute()` is not a command object at all. Nothing was read or written. */
export class InvalidCommandError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_COMMAND';

  constructor(
    readonly value: unknown,
    readonly reason: string,
    /** What to pass instead (the bus's advice by default). */
    advice = "Pass an instance of a command class that an aggregate handles with @Handles, e.g. bus.execute(new Deposit('acc-1', 10)).",
  ) {
    super(`Cannot execute ${describeValue(value)}: ${reason}. ${advice}`);
  }
}

/**
 * The event store stayed unavailable through every transient retry of a command. Still an
 * `EventStoreUnavailableError` (transient: sending the command again later is safe, with the same
 * command id); the last failure is the `cause`.
 */
export class TransientRetriesExceededError extends EventStoreUnavailableError {
  static override readonly code: MnemeErrorCode = 'MNEME_TRANSIENT_RETRIES_EXCEEDED';
  declare readonly cause: EventStoreUnavailableError;

  constructor(
    readonly attempts: number,
    cause: EventStoreUnavailableError,
  ) {
    const stream = cause.streamName === undefined ? '' : ` on stream '${cause.streamName}'`;
    super(cause.operation, cause.streamName, cause.target, cause.reason, {
      cause,
      message:
        `Gave up${stream} after ${attempts} attempt${attempts === 1 ? '' : 's'}: the event store at ${cause.target} ` +
        `stayed unavailable (${cause.reason.trim().replace(/\.+$/, '')}). Check that the server is running and reachable; ` +
        `re-send the command later with the same commandId, which cannot store its events twice, or raise retry.transient.maxRetries.`,
    });
  }
}

/**
 * A command did not finish within its timeout (`CommandOptions.timeoutMs`, default
 * `mnemeModule({ commandTimeoutMs })`, 30 s): its handler, an interceptor, the store or its retries
 * took longer. Nothing the command decides from then on is written, and the stream's other commands
 * go on. An append already under way when the time ran out may still land: re-sending the command
 * with the same `commandId` is safe (it cannot be stored twice) and tells. The `cause` is the last
 * error a retried attempt met, if any.
 */
export class CommandTimeoutError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_COMMAND_TIMEOUT';

  constructor(
    readonly commandType: string,
    readonly streamName: string,
    /** Undefined for `execute()`, whose commands name only a stream. */
    readonly aggregateId: string | undefined,
    readonly timeoutMs: number,
    /** The attempt under way when the time ran out (1-based). */
    readonly attempt: number,
    cause?: unknown,
  ) {
    super(
      `Command '${commandType}' on stream '${streamName}' did not finish within ${timeoutMs} ms (attempt ${attempt}): ` +
        `its handler, an interceptor, the event store or its retries took longer. Nothing it decides from now on is written. ` +
        `Re-send it with the same commandId to learn whether an append already under way was stored, ` +
        `or raise timeoutMs (per command) or commandTimeoutMs (mnemeModule).`,
      cause === undefined ? {} : { cause },
    );
  }
}

/** No aggregate registered with the bus handles this command class. */
export class HandlerNotFoundError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_HANDLER_NOT_FOUND';

  constructor(readonly commandName: string) {
    super(
      `No handler for command '${commandName}'. Mark an aggregate method with @Handles(${commandName}) ` +
        `and list the aggregate in mnemeModule({ aggregates: [...] }).`,
    );
  }
}

/** Two handlers claim the same command class; found when the module is loaded. */
export class DuplicateHandlerError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_DUPLICATE_HANDLER';

  constructor(
    readonly commandName: string,
    readonly handlers: readonly string[],
  ) {
    super(
      `Command '${commandName}' is handled by more than one method (${handlers.join(', ')}). ` +
        `A command must have exactly one handler: remove or rename one of the @Handles(${commandName}).`,
    );
  }
}

/** The command (or a repository call) carries no usable aggregate id; nothing was read or written. */
export class InvalidAggregateIdError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_AGGREGATE_ID';
  readonly commandName: string | undefined;
  readonly value: unknown;

  constructor(reason: string, facts: { commandName?: string; value?: unknown } = {}) {
    const subject = facts.commandName ? `Command '${facts.commandName}'` : 'The aggregate';
    const fix = facts.commandName
      ? `Mark the id property with @AggregateId(), or give @Handles(${facts.commandName}, { id: cmd => ... }), and pass a non-empty string.`
      : 'Pass a non-empty string id.';
    super(`${subject} has no valid aggregate id: ${reason}. ${fix}`);
    this.commandName = facts.commandName;
    this.value = facts.value;
  }

  /** Why the id was refused, or undefined when `value` is a usable id. */
  static check(value: unknown): string | undefined {
    if (value === undefined || value === null) return `the id is ${value}`;
    if (typeof value !== 'string') return `the id is a ${typeof value}, not a string`;
    if (value.trim() === '') return 'the id is empty';
    return undefined;
  }
}

/**
 * A command was sent again with the id of a command whose events are older than the exactly-once
 * window (`COMMAND_WINDOW` events from the stream's end): it is neither answered from them nor
 * decided again (that would store it twice). Raised when the events read show it; a re-send far
 * older than what was read is not seen and is decided again (see the docs' "Exactly once").
 */
export class CommandOutsideWindowError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_COMMAND_OUTSIDE_WINDOW';

  constructor(
    readonly commandId: string,
    readonly streamName: string,
    /** The revision of the command's first stored event, when it was read; undefined when only its id was remembered. */
    readonly revision: bigint | undefined,
    /** The stream's last revision when the re-send was loaded. */
    readonly lastRevision: bigint,
    readonly window: number,
  ) {
    super(
      `Command '${commandId}' was already stored in stream '${streamName}'${revision === undefined ? '' : ` at revision ${revision}`}, ` +
        `more than ${window} events before its end (revision ${lastRevision}): it is outside the exactly-once window, so it is ` +
        `not run again. Treat it as done (read its events from the stream if you need them), or send a new command with a new commandId.`,
    );
  }
}
