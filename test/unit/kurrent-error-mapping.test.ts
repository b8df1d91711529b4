import { describe, expect, it } from '@jest/globals';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError as ClientStreamDeletedError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import {
  ConcurrencyError,
  EventStoreError,
  EventStoreUnavailableError,
  EventTooLargeError,
  InvalidEventError,
  MnemeError,
  NO_STREAM,
  STREAM_EXISTS,
  StreamDeletedError,
} from 'mneme';
import { mapKurrentError, type ErrorContext } from '../../src/kurrent/error-mapping.js';

const context: ErrorContext = {
  operation: 'append',
  streamName: 'account-1',
  expected: 3n,
  target: 'kurrentdb://admin:***@db:2113',
  secrets: ['changeit'],
};

function serviceError(code: status, message: string, trailers: Record<string, string> = {}): ServiceError {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(`${code} ${status[code]}: ${message}`), { code, details: message, metadata });
}

describe(mapKurrentError.name, () => {
  it('maps WrongExpectedVersionError to ConcurrencyError with the actual revision', () => {
    const cause = new WrongExpectedVersionError(undefined, { streamName: 'account-1', expected: 3n, current: 5n });
    const mapped = mapKurrentError(cause, context);
    expect(mapped).toBeInstanceOf(ConcurrencyError);
    expect(mapped).toMatchObject({ streamName: 'account-1', expected: 3n, actual: 5n, cause });
  });

  it('maps a conflict on a missing stream to actual NO_STREAM', () => {
    const cause = new WrongExpectedVersionError(undefined, { streamName: 's', expected: STREAM_EXISTS, current: NO_STREAM });
    expect(mapKurrentError(cause, { ...context, expected: STREAM_EXISTS })).toMatchObject({ expected: STREAM_EXISTS, actual: NO_STREAM });
  });

  it('maps a tombstoned stream to StreamDeletedError', () => {
    const cause = ClientStreamDeletedError.fromStreamName('account-1');
    const mapped = mapKurrentError(cause, { ...context, operation: 'read' });
    expect(mapped).toBeInstanceOf(StreamDeletedError);
    expect(mapped).toMatchObject({ code: 'MNEME_STREAM_DELETED', streamName: 'account-1', operation: 'read', transient: false, cause });
    expect(EventStoreError.is(mapped)).toBe(true);
  });

  it('maps MaxAppendSizeExceededError to EventTooLargeError, an InvalidEventError', () => {
    const cause = MaxAppendSizeExceededError.fromMaxAppendSize(1048576);
    const mapped = mapKurrentError(cause, context);
    expect(mapped).toBeInstanceOf(EventTooLargeError);
    expect(InvalidEventError.is(mapped)).toBe(true);
    expect(mapped).toMatchObject({ streamName: 'account-1', maxAppendSize: 1048576, cause });
    expect(mapped.message).toContain('1048576 bytes');
  });

  it.each([
    ['UnavailableError', new UnavailableError(serviceError(status.UNAVAILABLE, 'No connection established'))],
    ['DeadlineExceededError', new DeadlineExceededError(serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'))],
    [
      'NotLeaderError',
      new NotLeaderError(serviceError(status.NOT_FOUND, 'Leader info available', { 'leader-endpoint-host': 'b', 'leader-endpoint-port': '2113' })),
    ],
    ['a raw gRPC status 14', serviceError(status.UNAVAILABLE, 'Connection dropped')],
    ['a raw gRPC deadline', serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded')],
    ['failed discovery', new Error('Failed to discover after 10 attempts.')],
  ])('maps %s to a transient EventStoreUnavailableError', (_name, cause) => {
    const mapped = mapKurrentError(cause, context);
    expect(mapped).toBeInstanceOf(EventStoreUnavailableError);
    expect(mapped).toMatchObject({ code: 'MNEME_EVENT_STORE_UNAVAILABLE', transient: true, streamName: 'account-1', cause });
    expect(mapped.message).toContain('kurrentdb://admin:***@db:2113');
    expect(EventStoreError.is(mapped)).toBe(true);
  });

  it('maps anything else to a generic, non-transient EventStoreError', () => {
    const cause = new UnknownError(undefined, 'something odd');
    const mapped = mapKurrentError(cause, context);
    expect(mapped.constructor).toBe(EventStoreError);
    expect(mapped).toMatchObject({ code: 'MNEME_EVENT_STORE_FAILED', transient: false, operation: 'append', cause });
    expect(mapped.message).toContain('something odd');
  });

  it('passes Mneme errors through unchanged', () => {
    const error = new ConcurrencyError('s', 1n, 2n);
    expect(mapKurrentError(error, context)).toBe(error);
  });

  it('never lets the password into the message or the cause', () => {
    const cause = new Error('cannot reach kurrentdb://admin:changeit@db:2113 (password changeit)');
    const mapped = mapKurrentError(cause, context);
    expect(mapped.message).not.toContain('changeit');
    expect(String((mapped.cause as Error).message)).not.toContain('changeit');
    expect(MnemeError.is(mapped)).toBe(true);
  });
});
