import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  DEFAULT_TRANSIENT_RETRY_POLICY,
  InMemoryEventStore,
  InvalidConfigurationError,
  MAX_DELAY_MS,
  execute,
  mnemeModule,
  type RetryOptions,
} from 'mneme';
import { resolveRetryPolicy } from '../../src/commands/retry-policy.js';
import { BankAccount } from '../../examples/bank-account/domain.js';

function configurationError(run: () => unknown): InvalidConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigurationError);
    return error as InvalidConfigurationError;
  }
  throw new Error('expected InvalidConfigurationError, nothing was thrown');
}

describe('retry options', () => {
  it('defaults the transient policy to 5 retries, 100 ms initial, 2000 ms max, factor 2', () => {
    expect(resolveRetryPolicy().transient).toEqual({
      maxRetries: 5,
      initialDelayMs: 100,
      maxDelayMs: 2000,
      backoffFactor: 2,
    });
    expect(resolveRetryPolicy({ transient: true }).transient).toBe(DEFAULT_TRANSIENT_RETRY_POLICY);
  });

  it('fills the transient defaults around the fields given, and turns it off with false', () => {
    expect(resolveRetryPolicy({ transient: { maxRetries: 2 } }).transient).toEqual({
      ...DEFAULT_TRANSIENT_RETRY_POLICY,
      maxRetries: 2,
    });
    expect(resolveRetryPolicy({ transient: false }).transient).toBe(false);
  });

  it('rejects a mistyped key, naming it and the key it probably meant, instead of using the defaults', () => {
    const error = configurationError(() => resolveRetryPolicy({ maxRetry: 0 } as RetryOptions));
    expect(error.option).toBe('retry.maxRetry');
    expect(error.message).toContain("did you mean 'maxRetries'");
  });

  it('rejects an unknown key in the transient options, naming its path', () => {
    const error = configurationError(() => resolveRetryPolicy({ transient: { initialDelay: 5 } } as RetryOptions));
    expect(error.option).toBe('retry.transient.initialDelay');
    expect(error.message).toContain("did you mean 'initialDelayMs'");
  });

  it.each([
    ['a string', 'fast'],
    ['a number', 3],
    ['null', null],
    ['an array', []],
    ['a Map', new Map()],
  ])('rejects %s as the retry options', (_label, value) => {
    const error = configurationError(() => resolveRetryPolicy(value as RetryOptions));
    expect(error.option).toBe('retry');
  });

  it.each([
    ['a string', 'fast'],
    ['a number', 1],
    ['null', null],
  ])('rejects %s as the transient options', (_label, value) => {
    const error = configurationError(() => resolveRetryPolicy({ transient: value } as RetryOptions));
    expect(error.option).toBe('retry.transient');
  });

  it.each([
    { maxDelayMs: MAX_DELAY_MS + 1 },
    { initialDelayMs: 2 ** 32 },
    { maxDelayMs: Infinity },
    { transient: { maxDelayMs: MAX_DELAY_MS + 1 } },
    { transient: { initialDelayMs: 1e12 } },
    { transient: { maxRetries: -1 } },
    { transient: { backoffFactor: 0 } },
    { maxRetries: '3' },
    { backoffFactor: Infinity },
  ])('rejects %j (a delay setTimeout cannot wait, or a value that is no count)', (options) => {
    configurationError(() => resolveRetryPolicy(options as RetryOptions));
  });

  it('accepts the longest delay setTimeout can wait', () => {
    expect(resolveRetryPolicy({ maxDelayMs: MAX_DELAY_MS, transient: { maxDelayMs: MAX_DELAY_MS } })).toMatchObject({
      maxDelayMs: MAX_DELAY_MS,
      transient: { maxDelayMs: MAX_DELAY_MS },
    });
  });

  it.each([0, -5, Number.NaN, MAX_DELAY_MS + 1, '20'])('rejects agingMs %p, naming retry.agingMs', (agingMs) => {
    const error = configurationError(() => resolveRetryPolicy({ agingMs } as RetryOptions));
    expect(error.option).toBe('retry.agingMs');
  });

  it('defaults agingMs to 20 ms, takes Infinity as no aging, and keeps it out of the transient options', () => {
    expect(resolveRetryPolicy().agingMs).toBe(20);
    expect(resolveRetryPolicy({ agingMs: Infinity }).agingMs).toBe(Infinity);
    expect(configurationError(() => resolveRetryPolicy({ transient: { agingMs: 5 } } as RetryOptions)).option).toBe(
      'retry.transient.agingMs',
    );
  });

  it('rejects an onRetry that is not a function', () => {
    expect(configurationError(() => resolveRetryPolicy({ onRetry: 'log' } as unknown as RetryOptions)).option).toBe(
      'retry.onRetry',
    );
  });

  it('fails container.load on a mistyped or non-object retry option', () => {
    const load = (retry: unknown) => () =>
      new Container().load(mnemeModule({ aggregates: [BankAccount], retry: retry as RetryOptions }));
    expect(configurationError(load({ maxRetry: 0 })).option).toBe('retry.maxRetry');
    expect(configurationError(load('fast')).option).toBe('retry');
    expect(configurationError(load(null)).option).toBe('retry');
    expect(configurationError(load({ transient: { maxDelayMs: 2 ** 31 } })).option).toBe('retry.transient');
  });

  it('rejects unknown keys in the config of execute() before reading anything', async () => {
    const store = new InMemoryEventStore();
    let read = false;
    store.readStream = () => {
      read = true;
      throw new Error('read');
    };
    const command = {
      eventStreamId: () => 'S-1',
      getState: () => ({ apply: () => ({}) as never }),
      setState: () => {},
      handle: () => [],
    };
    await expect(execute(command, store, { maxRetry: 1 } as never)).rejects.toMatchObject({
      option: 'config.maxRetry',
    });
    await expect(execute(command, store, 'fast' as never)).rejects.toMatchObject({ option: 'config' });
    await expect(execute(command, store, { transient: { maxDelayMs: 2 ** 31 } })).rejects.toMatchObject({
      option: 'config.transient',
    });
    await expect(execute(command, store, { commandId: '' })).rejects.toMatchObject({ option: 'config.commandId' });
    expect(read).toBe(false);
  });
});
