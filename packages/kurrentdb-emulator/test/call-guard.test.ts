import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { bugReporter, guarded } from '../src/call-guard.js';
import type { RpcError } from '../src/wire.js';

describe('guarded emulator handlers', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const setup = () => {
    const errors: Error[] = [];
    const failures: RpcError[] = [];
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    return { errors, failures, report: bugReporter(errors), fail: (error: RpcError) => failures.push(error) };
  };

  it('fails the call with INTERNAL when a handler throws, and records the error', () => {
    const { errors, failures, report, fail } = setup();

    guarded('Read', report, fail, () => {
      throw new Error('boom');
    });

    expect(failures).toEqual([{ code: status.INTERNAL, details: 'kurrent-emulator bug in Read: boom' }]);
    expect(errors.map((error) => error.message)).toEqual(['boom']);
  });

  it('fails the call when an async handler rejects', async () => {
    const { failures, report, fail } = setup();

    guarded('Append', report, fail, async () => {
      throw new Error('later');
    });
    await new Promise((resolve) => setImmediate(resolve));

    expect(failures.map((failure) => failure.code)).toEqual([status.INTERNAL]);
  });

  it('leaves protocol errors to the handler that expects them', () => {
    const { errors, failures, report, fail } = setup();

    guarded(
      'Append',
      report,
      fail,
      () => {
        throw new RangeError('expected');
      },
      (error) => error instanceof RangeError,
    );

    expect(failures).toEqual([]);
    expect(errors).toEqual([]);
  });
});
