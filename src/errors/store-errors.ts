import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';
import { InvalidEventError } from './event-errors.js';
import { describeValue } from './describe-value.js';

/** A stream name that no store can hold: not a string, or empty. Nothing was written. */
export class InvalidStreamNameError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_STREAM_NAME';

  constructor(readonly streamName: unknown) {
    super(`Invalid stream name ${describeValue(streamName)}: a stream name must be a non-empty string.`);
  }
}

/** `readAll` or `subscribeToAll` was given an option no store can honour. Nothing was read. */
export class InvalidReadAllOptionsError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_READ_ALL_OPTIONS';

  constructor(
    /** The option at fault, e.g. `filter.streamNamePrefixes`. */
    readonly option: string,
    readonly reason: string,
  ) {
    super(`Invalid '${option}' for reading the global log: ${reason}.`);
  }
}

/** `readStream` was given options no store can honour. Nothing was read. */
export class InvalidReadOptionsError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_READ_OPTIONS';

  constructor(
    /** The option at fault (`options` itself when it is not an object). */
    readonly option: string,
    readonly reason: string,
  ) {
    super(
      `Invalid '${option}' for reading a stream: ${reason}. Pass { fromRevision?: bigint >= 0n, direction?: 'forwards' | 'backwards', maxCount?: integer >= 0 }.`,
    );
  }
}

/** An append or read was given an expected revision that is none of ANY, NO_STREAM, STREAM_EXISTS or a bigint >= 0n. */
export class InvalidExpectedRevisionError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_EXPECTED_REVISION';

  constructor(readonly expectedRevision: unknown) {
    super(
      `Invalid expectedRevision ${typeof expectedRevision === 'bigint' ? `${expectedRevision}n` : describeValue(expectedRevision)}: use ANY, NO_STREAM, STREAM_EXISTS or the ` +
        `revision of the stream's last event as a bigint (>= 0n).`,
    );
  }
}

/** What the store was doing when it failed. */
export type StoreOperation = 'append' | 'read' | 'connect';

/** "append to stream 'x'", "read stream 'x'", "connect": what the store was doing, for messages. */
function action(operation: StoreOperation, streamName: string | undefined): string {
  if (streamName === undefined) return operation;
  return operation === 'append' ? `append to stream '${streamName}'` : `${operation} stream '${streamName}'`;
}

export interface EventStoreErrorOptions {
  cause?: unknown;
  /** Replaces the generated message (subclasses word their own). */
  message?: string;
}

/**
 * The event store failed for a reason Mneme has no finer class for. Also the base of every store
 * failure, so `EventStoreError.is(err)` catches them all. The client's error is the `cause`.
 */
export class EventStoreError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_EVENT_STORE_FAILED';
  /** True when retrying the same call later may succeed. */
  readonly transient: boolean = false;

  constructor(
    readonly operation: StoreOperation,
    readonly streamName: string | undefined,
    readonly reason: string,
    options: EventStoreErrorOptions = {},
  ) {
    super(
      options.message ??
        `The event store failed to ${action(operation, streamName)}: ${trimPeriod(reason)}. ` +
          `See the error's cause for the client's error, and the server's logs.`,
      options,
    );
  }
}

/**
 * The server could not be reached or could not serve the call right now (down, not the leader,
 * deadline exceeded). Transient: retry later. Retrying an append with the same event ids is safe.
 */
export class EventStoreUnavailableError extends EventStoreError {
  static override readonly code: MnemeErrorCode = 'MNEME_EVENT_STORE_UNAVAILABLE';
  override readonly transient: boolean = true;

  constructor(
    operation: StoreOperation,
    streamName: string | undefined,
    /** The server, as a connection string without its password. */
    readonly target: string,
    reason: string,
    /** `message` replaces the generated one (subclasses word their own). */
    options: { cause?: unknown; message?: string } = {},
  ) {
    super(operation, streamName, reason, {
      cause: options.cause,
      message:
        options.message ??
        `Could not ${action(operation, streamName)}: the event store at ${target} is unavailable ` +
          `(${trimPeriod(reason)}). This is transient: retry later, and check that the server is running and ` +
          `reachable with this connection string. Re-sending an append with the same event ids will not write them twice.`,
    });
  }
}

/**
 * The event store did not answer within the store's deadline (`deadlineMs`). A subclass of
 * EventStoreUnavailableError, so it is transient: retry later. An append that timed out may or may
 * not have been written: retry it with the same event ids, which KurrentDB does not write twice.
 */
export class EventStoreTimeoutError extends EventStoreUnavailableError {
  static override readonly code: MnemeErrorCode = 'MNEME_EVENT_STORE_TIMEOUT';

  constructor(
    operation: StoreOperation,
    streamName: string | undefined,
    target: string,
    /** The deadline that passed, in milliseconds. */
    readonly deadlineMs: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      operation,
      streamName,
      target,
      `no answer within the deadline of ${deadlineMs} ms; raise the store's deadlineMs if calls are legitimately this slow`,
      options,
    );
  }
}

/** The stream was tombstoned (hard-deleted): it can never be written or read again. */
export class StreamDeletedError extends EventStoreError {
  static override readonly code: MnemeErrorCode = 'MNEME_STREAM_DELETED';

  constructor(operation: StoreOperation, streamName: string, options: { cause?: unknown } = {}) {
    super(operation, streamName, 'the stream was permanently deleted', {
      ...options,
      message:
        `Cannot ${action(operation, streamName)}: it was permanently deleted (tombstoned), and its name can ` +
        `never be used again. Use another stream name.`,
    });
  }
}

/** The append is larger than the server accepts in one go. Nothing was written. */
export class EventTooLargeError extends InvalidEventError {
  static override readonly code: MnemeErrorCode = 'MNEME_EVENT_TOO_LARGE';

  constructor(
    readonly streamName: string,
    /** The server's limit in bytes for one append, when the server said (a gRPC RESOURCE_EXHAUSTED may not). */
    readonly maxAppendSize: number | undefined,
    options: { cause?: unknown } = {},
  ) {
    const limit = maxAppendSize === undefined ? 'size limit' : `maximum append size of ${maxAppendSize} bytes`;
    super(`the append to stream '${streamName}' exceeds the server's ${limit}`, undefined, {
      ...options,
      message:
        `Append to stream '${streamName}' is larger than the server accepts ` +
        `(${maxAppendSize === undefined ? 'it refused the request as too large' : `${maxAppendSize} bytes per append`}): ` +
        `nothing was written. Split the events over several appends, keep large payloads outside the event ` +
        `(store a reference), or raise the server's MaxAppendSize.`,
    });
  }
}

/** The connection string is missing or malformed. Never carries the password. */
export class InvalidConnectionStringError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_CONNECTION_STRING';

  constructor(
    readonly reason: string,
    /** The connection string as given, with its password replaced by `***`. */
    readonly connectionString?: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `Invalid KurrentDB connection string${connectionString === undefined ? '' : ` '${connectionString}'`}: ${trimPeriod(reason)}. ` +
        `Expected e.g. kurrentdb://localhost:2113?tls=false, or kurrentdb+discover://host:2113 for a cluster.`,
      options,
    );
  }
}

function trimPeriod(text: string): string {
  return text.trim().replace(/\.+$/, '');
}
