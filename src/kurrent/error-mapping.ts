import { ConcurrencyError } from '../errors/command-errors.js';
import { MnemeError } from '../errors/mneme-error.js';
import {
  EventStoreError,
  EventStoreTimeoutError,
  EventStoreUnavailableError,
  EventTooLargeError,
  StreamDeletedError,
  type StoreOperation,
} from '../errors/store-errors.js';
import { NO_STREAM, type ActualRevision, type ExpectedRevision } from '../store/expected-revision.js';
import { redactConnectionString, scrubbedCause } from './redaction.js';

/** What the store knew when the client failed. */
export interface ErrorContext {
  operation: StoreOperation;
  streamName: string;
  /** The expected revision the append was sent with. */
  expected?: ExpectedRevision;
  /** The server, as a connection string without its password. */
  target: string;
  /** Strings no message may contain (the connection string's password). */
  secrets?: readonly string[];
  /** The store's deadline, for the error a timed-out call becomes. */
  deadlineMs?: number;
}

/** gRPC status codes that mean "not now" when they reach us raw (the client forwards some unconverted). */
const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
/** What a gRPC server (and grpc-js) answers a message above its receive limit with. */
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;

/** The client's `ErrorType`s for "too large", from the v1 Append/BatchAppend and the v2 append APIs. */
const TOO_LARGE_TYPES = new Set([
  'maximum-append-size-exceeded',
  'append-record-size-exceeded',
  'transaction-max-size-exceeded',
]);

/** The client's `ErrorType`s that a later retry can get past: the client reconnects (to the leader) on them. */
const TRANSIENT_TYPES = new Set(['unavailable', 'not-leader', 'deadline-exceeded', 'timeout', 'cancelled']);

interface ClientErrorShape {
  type?: unknown;
  code?: unknown;
  message?: unknown;
  streamName?: unknown;
  expectedState?: unknown;
  actualState?: unknown;
  maxAppendSize?: unknown;
  maxSize?: unknown;
  details?: unknown;
  _raw?: unknown;
}

/**
 * Turns what `@kurrent/kurrentdb-client` throws into Mneme's errors. Goes by the client's `type`
 * string and the raw gRPC `code`, not `instanceof`, so a second copy of the client still maps.
 */
export function mapKurrentError(error: unknown, context: ErrorContext): MnemeError {
  if (MnemeError.is(error)) return error as MnemeError;
  const secrets = context.secrets ?? [];
  const cause = { cause: scrubbedCause(error, secrets) };
  const shape: ClientErrorShape = typeof error === 'object' && error !== null ? (error as ClientErrorShape) : {};
  const streamName = context.streamName;

  switch (shape.type) {
    case 'wrong-expected-version':
      return new ConcurrencyError(
        streamName,
        context.expected ?? toExpected(shape.expectedState),
        toActual(shape.actualState),
        cause,
      );
    case 'stream-deleted':
      return new StreamDeletedError(context.operation, streamName, cause);
  }
  if (context.operation === 'append') {
    if (typeof shape.type === 'string' && TOO_LARGE_TYPES.has(shape.type)) {
      return new EventTooLargeError(streamName, toLimit(shape.maxAppendSize ?? shape.maxSize), cause);
    }
    if (isResourceExhausted(shape)) return new EventTooLargeError(streamName, limitInDetails(shape), cause);
  }
  if (context.deadlineMs !== undefined && isDeadlineExceeded(shape)) {
    return new EventStoreTimeoutError(context.operation, streamName, context.target, context.deadlineMs, cause);
  }
  const reason = describe(error, secrets);
  if (isTransient(shape)) {
    return new EventStoreUnavailableError(context.operation, streamName, context.target, reason, cause);
  }
  return new EventStoreError(context.operation, streamName, reason, cause);
}

/** RESOURCE_EXHAUSTED by number or name, on the error or on the raw gRPC error the client wrapped. */
function isResourceExhausted(shape: ClientErrorShape): boolean {
  const raw = typeof shape._raw === 'object' && shape._raw !== null ? (shape._raw as ClientErrorShape) : {};
  return [shape.code, raw.code].some((code) => code === GRPC_RESOURCE_EXHAUSTED || code === 'RESOURCE_EXHAUSTED');
}

function isDeadlineExceeded(shape: ClientErrorShape): boolean {
  return shape.type === 'deadline-exceeded' || (shape.type === undefined && shape.code === GRPC_DEADLINE_EXCEEDED);
}

/** grpc-js says "Received message larger than max (5000000 vs 4194304)"; other servers say no number. */
function limitInDetails(shape: ClientErrorShape): number | undefined {
  const text = [shape.details, shape.message].find((value): value is string => typeof value === 'string') ?? '';
  const match = /larger than max \(\d+ vs\.? (\d+)\)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

function toLimit(value: unknown): number | undefined {
  const limit = Number(value);
  return Number.isSafeInteger(limit) && limit > 0 ? limit : undefined;
}

function isTransient(shape: ClientErrorShape): boolean {
  if (typeof shape.type === 'string') return TRANSIENT_TYPES.has(shape.type);
  if (shape.code === GRPC_UNAVAILABLE || shape.code === GRPC_DEADLINE_EXCEEDED || shape.code === GRPC_CANCELLED)
    return true;
  // Gossip discovery gives up with a plain Error.
  return typeof shape.message === 'string' && /^Failed to discover after \d+ attempts/.test(shape.message);
}

function toActual(state: unknown): ActualRevision {
  return typeof state === 'bigint' ? state : NO_STREAM;
}

function toExpected(state: unknown): ExpectedRevision {
  return typeof state === 'bigint' || state === 'any' || state === 'no_stream' || state === 'stream_exists'
    ? state
    : 'any';
}

/** A one-line reason from the client's error, without the password. */
function describe(error: unknown, secrets: readonly string[]): string {
  const shape = typeof error === 'object' && error !== null ? (error as ClientErrorShape) : {};
  const name = error instanceof Error ? error.constructor.name : typeof error;
  const message =
    typeof shape.message === 'string' && shape.message !== ''
      ? shape.message.split('\n')[0]!
      : String(shape.type ?? error);
  // Bridge errors repeat their name as their message.
  return redactConnectionString(message === name ? name : `${name}: ${message}`, secrets);
}
