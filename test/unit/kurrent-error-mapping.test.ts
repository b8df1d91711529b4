import { describe, expect, it } from '@jest/globals';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  AppendRecordSizeExceededError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError as ClientStreamDeletedError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  convertToCommandError,
} from '@kurrent/kurrentdb-client';
import {
  ConcurrencyError,
  EventStoreError,
  EventStoreTimeoutError,
  EventStoreUnavailableError,
  EventTooLargeError,
  InvalidEventError,
  MnemeError,
  NO_STREAM,
  STREAM_EXISTS,
  StreamDeletedError,
} from 'mneme';
import { inspect } from 'node:util';
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
    const cause = new WrongExpectedVersionError(undefined, {
      streamName: 's',
      expected: STREAM_EXISTS,
      current: NO_STREAM,
    });
    expect(mapKurrentError(cause, { ...context, expected: STREAM_EXISTS })).toMatchObject({
      expected: STREAM_EXISTS,
      actual: NO_STREAM,
    });
  });

  it('maps a tombstoned stream to StreamDeletedError', () => {
    const cause = ClientStreamDeletedError.fromStreamName('account-1');
    const mapped = mapKurrentError(cause, { ...context, operation: 'read' });
    expect(mapped).toBeInstanceOf(StreamDeletedError);
    expect(mapped).toMatchObject({
      code: 'MNEME_STREAM_DELETED',
      streamName: 'account-1',
      operation: 'read',
      transient: false,
      cause,
    });
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
      new NotLeaderError(
        serviceError(status.NOT_FOUND, 'Leader info available', {
          'leader-endpoint-host': 'b',
          'leader-endpoint-port': '2113',
        }),
      ),
    ],
    ['a raw gRPC status 14', serviceError(status.UNAVAILABLE, 'Connection dropped')],
    ['a raw gRPC deadline', serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded')],
    ['failed discovery', new Error('Failed to discover after 10 attempts.')],
  ])('maps %s to a transient EventStoreUnavailableError', (_name, cause) => {
    const mapped = mapKurrentError(cause, context);
    expect(mapped).toBeInstanceOf(EventStoreUnavailableError);
    expect(mapped).toMatchObject({
      code: 'MNEME_EVENT_STORE_UNAVAILABLE',
      transient: true,
      streamName: 'account-1',
      cause,
    });
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

  describe('an append too large for the server', () => {
    const grpcJsLimit = 'Received message larger than max (5000000 vs 4194304)';

    it.each([
      ['a raw RESOURCE_EXHAUSTED status from grpc-js', serviceError(status.RESOURCE_EXHAUSTED, grpcJsLimit), 4194304],
      [
        'RESOURCE_EXHAUSTED as the client forwards it',
        convertToCommandError(serviceError(status.RESOURCE_EXHAUSTED, grpcJsLimit)),
        4194304,
      ],
      [
        "RESOURCE_EXHAUSTED from KurrentDB's ASP.NET host, which gives no limit",
        serviceError(status.RESOURCE_EXHAUSTED, 'Received message exceeds the maximum configured message size.'),
        undefined,
      ],
      ['a status given by name', Object.assign(new Error('too big'), { code: 'RESOURCE_EXHAUSTED' }), undefined],
      ["the client's MaxAppendSizeExceededError", MaxAppendSizeExceededError.fromMaxAppendSize(1048576), 1048576],
      [
        "the client's MaxAppendSizeExceededError without a size",
        MaxAppendSizeExceededError.fromMaxAppendSize(undefined as never),
        undefined,
      ],
      [
        "the v2 API's AppendRecordSizeExceededError",
        new AppendRecordSizeExceededError(serviceError(status.INVALID_ARGUMENT, 'record too large'), {
          stream: 'account-1',
          recordId: 'r',
          size: 9000,
          maxSize: 8192,
        }),
        8192,
      ],
    ])('maps %s to EventTooLargeError', (_name, cause, maxAppendSize) => {
      const mapped = mapKurrentError(cause, context);
      expect(mapped).toBeInstanceOf(EventTooLargeError);
      expect(InvalidEventError.is(mapped)).toBe(true);
      expect(mapped).toMatchObject({ code: 'MNEME_EVENT_TOO_LARGE', streamName: 'account-1', cause });
      expect((mapped as EventTooLargeError).maxAppendSize).toBe(maxAppendSize);
      expect(mapped.message).toContain('nothing was written');
      expect(mapped.message).not.toContain('NaN');
    });

    it('does not call a read that exhausted a resource an oversized event', () => {
      const mapped = mapKurrentError(serviceError(status.RESOURCE_EXHAUSTED, 'too many streams'), {
        ...context,
        operation: 'read',
      });
      expect(mapped).not.toBeInstanceOf(EventTooLargeError);
      expect(EventStoreError.is(mapped)).toBe(true);
    });
  });

  it('maps a deadline the store sent to EventStoreTimeoutError with that deadline', () => {
    const cause = new DeadlineExceededError(serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    const mapped = mapKurrentError(cause, { ...context, deadlineMs: 2500 });
    expect(mapped).toBeInstanceOf(EventStoreTimeoutError);
    expect(mapped).toBeInstanceOf(EventStoreUnavailableError);
    expect(mapped).toMatchObject({ code: 'MNEME_EVENT_STORE_TIMEOUT', transient: true, deadlineMs: 2500, cause });
    expect(mapped.message).toContain('2500 ms');
  });

  it('scrubs the password from errors nested anywhere in the cause, not only from its message', () => {
    const raw = Object.assign(new Error('dial kurrentdb://ops@corp:changeit@db:2113 failed'), {
      details: 'password changeit',
    });
    const cause = new UnknownError(undefined, 'wrapped');
    Object.assign(cause, { _raw: raw, extra: { nested: ['changeit'] } });
    const mapped = mapKurrentError(cause, context);
    expect(inspect(mapped, { depth: Infinity, showHidden: true })).not.toContain('changeit');
  });

  it('replaces a cause it cannot scrub (a frozen error) with a scrubbed copy', () => {
    const cause = Object.freeze(
      Object.assign(new Error('auth failed for changeit'), { stack: 'Error: auth failed for changeit' }),
    );
    const mapped = mapKurrentError(cause, context);
    expect(mapped.cause).not.toBe(cause);
    expect((mapped.cause as Error).message).toBe('auth failed for ***');
    expect(inspect(mapped, { depth: Infinity, showHidden: true })).not.toContain('changeit');
  });
});
