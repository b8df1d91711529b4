import 'reflect-metadata';
import { describe, expect, it, jest } from '@jest/globals';
import {
  ConcurrencyError,
  ConcurrencyRetryInterceptor,
  DEFAULT_RETRY_POLICY,
  InMemoryEventStore,
  InvalidConfigurationError,
  EventStoreUnavailableError,
  MaxRetriesExceededError,
  NO_STREAM,
  type CommandContext,
  type CommandResult,
  type EventData,
  type AppendOptions,
} from 'mneme';
import { backoffDelayMs, resolveRetryPolicy } from '../../src/commands/retry-policy.js';
import { retryCommand as retryOnConflict } from '../../src/commands/retry-loop.js';
import { OpenAccount } from '../../examples/bank-account/domain.js';
import { bankContainer } from '../support/bank-scenarios.js';

const conflict = () => new ConcurrencyError('S-1', 3n, 4n);

describe('retry policy', () => {
  it('defaults to no retry count (the command timeout bounds conflicts), 1 ms initial, 10 ms max, factor 2', () => {
    expect(resolveRetryPolicy()).toMatchObject({
      maxRetries: Infinity,
      initialDelayMs: 1,
      maxDelayMs: 10,
      backoffFactor: 2,
    });
    expect(resolveRetryPolicy({ maxRetries: Infinity }).maxRetries).toBe(Infinity);
    expect(resolveRetryPolicy({ maxRetries: 3 })).toEqual({ ...DEFAULT_RETRY_POLICY, maxRetries: 3 });
  });

  it('draws each delay from 0 up to min(maxDelayMs, initialDelayMs * backoffFactor^retry)', () => {
    const policy = resolveRetryPolicy({ initialDelayMs: 2, maxDelayMs: 30, backoffFactor: 3 });
    expect([0, 1, 2, 3].map((retry) => backoffDelayMs(policy, retry, () => 0.999999))).toEqual(
      [2, 6, 18, 30].map((bound) => bound * 0.999999),
    );
    expect(backoffDelayMs(policy, 2, () => 0)).toBe(0);
    expect(backoffDelayMs(policy, 2, () => 0.5)).toBe(9);
  });

  it('is the one backoff function: equal jitter (projections) draws from the upper half of the same bound', () => {
    const schedule = { initialDelayMs: 2, maxDelayMs: 30, backoffFactor: 3, jitter: 'equal' as const };
    expect([0, 1, 2, 3].map((retry) => backoffDelayMs(schedule, retry, () => 0))).toEqual([1, 3, 9, 15]);
    expect([0, 1, 2, 3].map((retry) => backoffDelayMs(schedule, retry, () => 1))).toEqual([2, 6, 18, 30]);
  });

  it('spreads real random delays over the whole range (full jitter)', () => {
    const policy = resolveRetryPolicy({ initialDelayMs: 10, maxDelayMs: 10 });
    const delays = Array.from({ length: 500 }, () => backoffDelayMs(policy, 0));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10);
    expect(delays.filter((d) => d < 5).length).toBeGreaterThan(150);
    expect(delays.filter((d) => d >= 5).length).toBeGreaterThan(150);
  });

  it.each([
    { maxRetries: -1 },
    { maxRetries: 1.5 },
    { initialDelayMs: Number.NaN },
    { backoffFactor: 0.5 },
    { maxDelayMs: -3 },
  ])('rejects %j', (options) => {
    expect(() => resolveRetryPolicy(options)).toThrow(InvalidConfigurationError);
  });
});

describe('retryCommand on conflicts', () => {
  const noSleep = { sleep: async () => {} };

  it('retries conflicts until an attempt succeeds', async () => {
    const seen: number[] = [];
    const result = await retryOnConflict(
      resolveRetryPolicy({ maxRetries: 5 }),
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw conflict();
        return 'done';
      },
      noSleep,
    );
    expect(result).toBe('done');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('with maxRetries 0 makes one attempt and gives up with the conflict as cause', async () => {
    const cause = conflict();
    const error = await retryOnConflict(resolveRetryPolicy({ maxRetries: 0 }), async () => {
      throw cause;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxRetriesExceededError);
    expect(error).toMatchObject({ streamName: 'S-1', attempts: 1, cause, code: 'MNEME_MAX_RETRIES_EXCEEDED' });
  });

  it('gives up after maxRetries + 1 attempts', async () => {
    let attempts = 0;
    const error = await retryOnConflict(
      resolveRetryPolicy({ maxRetries: 4 }),
      async () => {
        attempts++;
        throw conflict();
      },
      noSleep,
    ).catch((e: unknown) => e);
    expect(attempts).toBe(5);
    expect(error).toMatchObject({ attempts: 5 });
  });

  it('sleeps a jittered backoff between attempts', async () => {
    const sleeps: number[] = [];
    await retryOnConflict(
      resolveRetryPolicy({ maxRetries: 3, initialDelayMs: 4, maxDelayMs: 10 }),
      async (attempt) => {
        if (attempt <= 3) throw conflict();
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    );
    expect(sleeps).toEqual([2, 4, 5]);
  });

  it('shrinks the delays of a command that has waited past agingMs, by agingMs / age', async () => {
    const ages = [0, 10, 40, 80, 400];
    const clock = [0, ...ages];
    const sleeps: number[] = [];
    await retryOnConflict(
      resolveRetryPolicy({ initialDelayMs: 10, maxDelayMs: 10, agingMs: 20 }),
      async (attempt) => {
        if (attempt <= ages.length) throw conflict();
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, now: () => clock.shift()! },
    );
    // Up to 20 ms of age the full-jitter delay (5 ms); then 5 * 20 / age, down to a quarter of it.
    expect(sleeps).toEqual([5, 5, 2.5, 1.25, 1.25]);
  });

  it('does not age with agingMs Infinity, nor transient retries', async () => {
    let t = 0;
    const sleeps: number[] = [];
    const transient = new EventStoreUnavailableError('append', 'S-1', 'kurrentdb://host', 'connection refused');
    await retryOnConflict(
      resolveRetryPolicy({ initialDelayMs: 10, maxDelayMs: 10, agingMs: Infinity }),
      async (attempt) => {
        if (attempt <= 3) throw conflict();
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, now: () => (t += 1000) },
    );
    await retryOnConflict(
      resolveRetryPolicy({ agingMs: 1, transient: { initialDelayMs: 100, maxDelayMs: 100 } }),
      async (attempt) => {
        if (attempt <= 2) throw transient;
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, now: () => (t += 1000) },
    );
    expect(sleeps).toEqual([5, 5, 5, 50, 50]);
  });

  it('retries after a delay under 1 ms on the next event-loop turn, without a timer', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      let attempts = 0;
      const result = await retryOnConflict(
        resolveRetryPolicy({ initialDelayMs: 1 }),
        async () => {
          if (++attempts === 1) throw conflict();
          return 'retried';
        },
        { random: () => 0.5 },
      );
      // A timer would never fire here: fake timers only advance when told.
      expect(result).toBe('retried');
      expect(attempts).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('lets any other error through at once', async () => {
    let attempts = 0;
    const boom = new Error('boom');
    await expect(
      retryOnConflict(resolveRetryPolicy(), async () => {
        attempts++;
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(attempts).toBe(1);
  });
});

/** A store that makes every append lose the race after the first `wins` appends. */
class AlwaysLosingStore extends InMemoryEventStore {
  appends = 0;
  constructor(private readonly wins: number) {
    super();
  }
  override async appendToStream(stream: string, events: EventData[], options?: AppendOptions) {
    this.appends++;
    if (this.appends > this.wins) throw new ConcurrencyError(stream, options?.expectedRevision ?? NO_STREAM, 99n);
    return super.appendToStream(stream, events, options);
  }
}

describe(ConcurrencyRetryInterceptor.name, () => {
  it('exhausts its retries against a stream that keeps moving and says so', async () => {
    const store = new AlwaysLosingStore(0);
    const { bus } = await bankContainer(store, { maxRetries: 3, initialDelayMs: 0 });
    const exhausted = await bus.execute(new OpenAccount('acc-2', 'Bob')).catch((e: unknown) => e);
    expect(exhausted).toBeInstanceOf(MaxRetriesExceededError);
    expect(exhausted).toMatchObject({ streamName: 'BankAccount-acc-2', attempts: 4 });
    expect((exhausted as MaxRetriesExceededError).cause).toBeInstanceOf(ConcurrencyError);
    expect((exhausted as Error).message).toContain('after 4 attempts');
  });

  it('with maxRetries 0 turns the first conflict into MaxRetriesExceededError after one attempt', async () => {
    const { bus } = await bankContainer(new AlwaysLosingStore(0), { maxRetries: 0 });
    const error = await bus.execute(new OpenAccount('acc-0', 'Ada')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxRetriesExceededError);
    expect(error).toMatchObject({ streamName: 'BankAccount-acc-0', attempts: 1 });
    expect((error as MaxRetriesExceededError).cause).toMatchObject({
      streamName: 'BankAccount-acc-0',
      expected: NO_STREAM,
      actual: 99n,
    });
  });

  it('sets the attempt number on the context for each try', async () => {
    const interceptor = new ConcurrencyRetryInterceptor({ maxRetries: 2 }, { sleep: async () => {} });
    const context = { attempt: 0 } as CommandContext;
    const attempts: number[] = [];
    await interceptor.intercept(context, async () => {
      attempts.push(context.attempt);
      if (context.attempt < 3) throw conflict();
      return { attempts: context.attempt } as CommandResult;
    });
    expect(attempts).toEqual([1, 2, 3]);
  });
});
