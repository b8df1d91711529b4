import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  CommandBus,
  ConcurrencyError,
  EventStoreError,
  EventStoreUnavailableError,
  MaxRetriesExceededError,
  TransientRetriesExceededError,
  execute,
  mnemeModule,
  type RetryNotice,
  type ReadStreamOptions,
  type RecordedEvent,
  type RetryOptions,
} from 'mneme';
import { resolveRetryPolicy } from '../../src/commands/retry-policy.js';
import { retryCommand } from '../../src/commands/retry-loop.js';
import { BankAccount, Deposit, OpenAccount } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';
import { FlakyStore } from '../support/flaky-store.js';
import { ledger } from '../support/ledger.js';

const unavailable = () => new EventStoreUnavailableError('append', 'S-1', 'kurrentdb://host', 'connection refused');
const conflict = () => new ConcurrencyError('S-1', 3n, 4n);
const fast: RetryOptions = { initialDelayMs: 0, transient: { initialDelayMs: 0 } };

async function busOn(store: FlakyStore, retry: RetryOptions = fast) {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store, retry }));
  return container.get(CommandBus);
}

describe('retryCommand on transient faults', () => {
  it('retries EventStoreUnavailableError on its own schedule until an attempt succeeds', async () => {
    const notices: RetryNotice[] = [];
    const policy = resolveRetryPolicy({
      transient: { maxRetries: 3, initialDelayMs: 8, maxDelayMs: 100 },
      onRetry: (n) => notices.push(n),
    });
    const sleeps: number[] = [];
    const result = await retryCommand(
      policy,
      async (attempt) => {
        if (attempt < 4) throw unavailable();
        return attempt;
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    );
    expect(result).toBe(4);
    expect(sleeps).toEqual([4, 8, 16]);
    expect(notices.map((n) => [n.reason, n.attempt, n.retry])).toEqual([
      ['transient', 1, 1],
      ['transient', 2, 2],
      ['transient', 3, 3],
    ]);
  });

  it('counts conflicts and transient faults separately', async () => {
    const policy = resolveRetryPolicy({ maxRetries: 1, transient: { maxRetries: 1 } });
    const failures = [unavailable(), conflict()];
    const result = await retryCommand(
      policy,
      async (attempt) => {
        const failure = failures.shift();
        if (failure) throw failure;
        return attempt;
      },
      { sleep: async () => {} },
    );
    expect(result).toBe(3);
  });

  it('gives up with TransientRetriesExceededError, still an EventStoreUnavailableError, with the last fault as cause', async () => {
    const last = unavailable();
    let attempts = 0;
    const error = await retryCommand(
      resolveRetryPolicy({ transient: { maxRetries: 2 } }),
      async () => {
        attempts++;
        throw attempts === 3 ? last : unavailable();
      },
      { sleep: async () => {} },
    ).catch((e: unknown) => e);
    expect(attempts).toBe(3);
    expect(error).toBeInstanceOf(TransientRetriesExceededError);
    expect(EventStoreUnavailableError.is(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'MNEME_TRANSIENT_RETRIES_EXCEEDED',
      attempts: 3,
      transient: true,
      streamName: 'S-1',
      cause: last,
    });
    expect((error as Error).message).toContain('after 3 attempts');
    expect((error as Error).message).toContain('connection refused');
  });

  it('with transient: false lets the first EventStoreUnavailableError through unchanged', async () => {
    const fault = unavailable();
    let attempts = 0;
    await expect(
      retryCommand(resolveRetryPolicy({ transient: false }), async () => {
        attempts++;
        throw fault;
      }),
    ).rejects.toBe(fault);
    expect(attempts).toBe(1);
  });

  it('never retries a store error that is not transient', async () => {
    const fatal = new EventStoreError('append', 'S-1', 'access denied');
    let attempts = 0;
    await expect(
      retryCommand(resolveRetryPolicy(), async () => {
        attempts++;
        throw fatal;
      }),
    ).rejects.toBe(fatal);
    expect(attempts).toBe(1);
  });

  it('keeps the total delay within the sum of the transient bounds', async () => {
    const notices: RetryNotice[] = [];
    const policy = resolveRetryPolicy({
      transient: { maxRetries: 4, initialDelayMs: 10, maxDelayMs: 30 },
      onRetry: (n) => notices.push(n),
    });
    await retryCommand(
      policy,
      async () => {
        throw unavailable();
      },
      { sleep: async () => {} },
    ).catch(() => undefined);
    const bounds = [10, 20, 30, 30];
    expect(notices.map((n) => n.delayMs <= bounds[n.retry - 1]!)).toEqual([true, true, true, true]);
  });
});

describe('the command bus on a store with transient faults', () => {
  it('retries a failed read and a failed append, then succeeds', async () => {
    const store = new FlakyStore().failNext('read', 'unavailable').failNext('append', 'unavailable', 2);
    const bus = await busOn(store);
    const result = await bus.execute(new OpenAccount('acc-1', 'Ada'));
    expect(result.attempts).toBe(4);
    expect(await collect(store.readStream('BankAccount-acc-1'))).toHaveLength(1);
  });

  it('resolves a command whose append was applied but whose reply was lost, storing its events once', async () => {
    const store = new FlakyStore();
    const bus = await busOn(store);
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    store.failNext('append', 'drop-after-write');
    const result = await bus.execute(new Deposit('acc-1', 10), { commandId: 'dep-1' });
    expect(result).toMatchObject({ attempts: 2, nextExpectedRevision: 1n, events: [{ amount: 10 }] });
    const stored = await collect(store.readStream('BankAccount-acc-1'));
    expect(stored.filter((e) => e.metadata.commandId === 'dep-1')).toHaveLength(1);
    expect(store.faults['drop-after-write']).toBe(1);
  });

  it('stores the events once even when the retry reads a stale stream, by re-sending the same event ids', async () => {
    /** After the lost reply, one read still misses the write (a lagging follower). */
    class StaleAfterDrop extends FlakyStore {
      hide = 0;
      override async *readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
        const all = await collect(super.readStream(streamName, options));
        const shown = this.hide > 0 ? all.slice(0, -this.hide) : all;
        this.hide = 0;
        yield* shown;
      }
    }
    const store = new StaleAfterDrop();
    const bus = await busOn(store);
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    store.failNext('append', 'drop-after-write');
    const appendOnce = store.appendToStream.bind(store);
    store.appendToStream = async (...args) => {
      try {
        return await appendOnce(...args);
      } catch (error) {
        store.hide = 1;
        throw error;
      }
    };
    const result = await bus.execute(new Deposit('acc-1', 10));
    expect(result).toMatchObject({ attempts: 2, nextExpectedRevision: 1n });
    expect((await collect(store.readStream('BankAccount-acc-1'))).map((e) => e.type)).toEqual([
      'BankAccount.Opened',
      'BankAccount.Deposited',
    ]);
  });

  it('gives up after the configured attempts when the store stays down, with the cause', async () => {
    const store = new FlakyStore().failNext('read', 'unavailable', 100);
    const bus = await busOn(store, { transient: { maxRetries: 3, initialDelayMs: 0 } });
    const error = await bus.execute(new OpenAccount('acc-1', 'Ada')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientRetriesExceededError);
    // BankAccount has a snapshot policy: each attempt's first read is of its snapshot stream.
    expect(error).toMatchObject({ attempts: 4, streamName: 'BankAccount_snapshot-acc-1', operation: 'read' });
    expect((error as TransientRetriesExceededError).cause).toBeInstanceOf(EventStoreUnavailableError);
    expect(store.calls.read).toBe(4);
  });

  it('still gives up on conflicts with MaxRetriesExceededError when faults come between them', async () => {
    const store = new FlakyStore().failNext('read', 'unavailable');
    const bus = await busOn(store, { maxRetries: 0, transient: { initialDelayMs: 0 } });
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    store.appendToStream = async (stream) => {
      throw new ConcurrencyError(stream, 0n, 5n);
    };
    await expect(bus.execute(new Deposit('acc-1', 1))).rejects.toBeInstanceOf(MaxRetriesExceededError);
  });

  it('with retry: false turns transient retries off too', async () => {
    const store = new FlakyStore().failNext('append', 'unavailable');
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store, retry: false }));
    const error = await container
      .get(CommandBus)
      .execute(new OpenAccount('acc-1', 'Ada'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error).not.toBeInstanceOf(TransientRetriesExceededError);
  });

  it('never retries a non-transient store failure', async () => {
    const store = new FlakyStore().failNext('append', 'fatal');
    const bus = await busOn(store);
    await expect(bus.execute(new OpenAccount('acc-1', 'Ada'))).rejects.toMatchObject({
      code: 'MNEME_EVENT_STORE_FAILED',
    });
    expect(store.calls.append).toBe(1);
  });
});

describe('execute() on a store with transient faults', () => {
  it('resolves after a dropped reply with the events stored once, by the same loop', async () => {
    const store = new FlakyStore().failNext('append', 'drop-after-write').failNext('read', 'unavailable');
    const command = ledger('L-1', 7);
    const result = await execute(command, store, { commandId: 'c-1', ...fast });
    expect(result).toMatchObject({ attempts: 3, nextExpectedRevision: 0n, events: [{ amount: 7 }] });
    expect(command.handled).toBe(1);
    expect(await collect(store.readStream('L-1'))).toHaveLength(1);
  });

  it('gives up with TransientRetriesExceededError after the configured attempts', async () => {
    const store = new FlakyStore().failNext('append', 'unavailable', 10);
    const error = await execute(ledger('L-1', 7), store, { transient: { maxRetries: 2, initialDelayMs: 0 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'MNEME_TRANSIENT_RETRIES_EXCEEDED', attempts: 3 });
    expect(store.calls.append).toBe(3);
  });
});
