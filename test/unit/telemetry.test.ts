import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { metrics, SpanStatusCode, trace } from '@opentelemetry/api';
import { Container } from 'inversify';
import {
  AggregateRepository,
  CommandBus,
  InMemoryEventStore,
  InvalidConfigurationError,
  MaxRetriesExceededError,
  MnemeTelemetry,
  MNEME_ATTRIBUTES as A,
  MNEME_METRICS as M,
  MNEME_SPANS as S,
  mnemeModule,
  TransientRetriesExceededError,
  type MnemeModuleOptions,
  type RetryNotice,
} from 'mneme';
import { conflictingStore } from 'mneme/testing';
import { BankAccount, Deposit, InsufficientFunds, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { FlakyStore } from '../support/flaky-store.js';
import { parentOf, TelemetryCapture, useContextManager } from '../support/telemetry-capture.js';

/** An account opened straight in the store, so that a wrapper's conflicts hit the next command. */
async function openedIn(id: string, times: number) {
  const store = new InMemoryEventStore();
  await store.appendToStream(`BankAccount-${id}`, [
    { type: 'BankAccount.Opened', data: { accountId: id, owner: 'Ada' } },
  ]);
  return conflictingStore(store, { times });
}

/** No waiting between retries. */
const NO_DELAYS = { initialDelayMs: 0, maxDelayMs: 0, transient: { initialDelayMs: 0, maxDelayMs: 0 } };

describe('telemetry (OpenTelemetry spans and metrics)', () => {
  useContextManager();
  let capture: TelemetryCapture;

  beforeEach(() => {
    capture = new TelemetryCapture();
  });
  afterEach(async () => {
    await capture.shutdown();
  });

  async function busWith(options: MnemeModuleOptions = {}) {
    const container = new Container();
    container.load(
      mnemeModule({
        aggregates: [BankAccount],
        retry: NO_DELAYS,
        telemetry: { tracerProvider: capture.tracerProvider, meterProvider: capture.meterProvider },
        ...options,
      }),
    );
    return { container, bus: container.get(CommandBus) };
  }

  it('traces an accepted command, with its load and its append as children', async () => {
    const { bus } = await busWith();
    await bus.execute(new OpenAccount('acc-1', 'Ada'));
    capture.reset();

    await bus.execute(new Deposit('acc-1', 10), { commandId: 'deposit-1' });

    const command = capture.span(S.command);
    expect(command.attributes).toEqual({
      [A.commandType]: 'Deposit',
      [A.aggregateType]: 'BankAccount',
      [A.stream]: 'BankAccount-acc-1',
      [A.commandId]: 'deposit-1',
      [A.commandAttempts]: 1,
      [A.commandOutcome]: 'ok',
    });
    expect(command.status.code).toBe(SpanStatusCode.UNSET);
    expect(parentOf(command)).toBeUndefined();

    const load = capture.span(S.load);
    expect(parentOf(load)).toBe(command.spanContext().spanId);
    expect(load.spanContext().traceId).toBe(command.spanContext().traceId);
    // The aggregate cache holds the account since it was opened: only the events after it are read.
    expect(load.attributes).toMatchObject({
      [A.stream]: 'BankAccount-acc-1',
      [A.aggregateType]: 'BankAccount',
      [A.loadEvents]: 0,
      [A.loadFromSnapshot]: false,
      [A.loadFromCache]: true,
    });

    const append = capture.span(S.append);
    expect(parentOf(append)).toBe(command.spanContext().spanId);
    expect(append.attributes).toMatchObject({
      [A.stream]: 'BankAccount-acc-1',
      [A.appendEvents]: 1,
      [A.appendExpectedRevision]: '0',
    });
  });

  it('appends to a new stream expecting no_stream', async () => {
    const { bus } = await busWith();
    await bus.execute(new OpenAccount('acc-new', 'Ada'));
    expect(capture.span(S.append).attributes[A.appendExpectedRevision]).toBe('no_stream');
    expect(capture.span(S.load).attributes[A.loadEvents]).toBe(0);
  });

  it('marks a command its handler rejects: outcome rejected, the exception, status ERROR and the error code', async () => {
    const { bus } = await busWith();
    await bus.execute(new OpenAccount('acc-2', 'Ada'));
    capture.reset();

    await expect(bus.execute(new Withdraw('acc-2', 5))).rejects.toBeInstanceOf(InsufficientFunds);

    const command = capture.span(S.command);
    expect(command.attributes).toMatchObject({
      [A.commandOutcome]: 'rejected',
      [A.commandAttempts]: 1,
      [A.errorCode]: 'BANK_INSUFFICIENT_FUNDS',
    });
    expect(command.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: expect.stringContaining('Insufficient funds'),
    });
    expect(command.events.map((event) => event.name)).toEqual(['exception']);
    // The SDK names the exception by its code when it has one.
    expect(command.events[0]!.attributes).toMatchObject({
      'exception.type': 'BANK_INSUFFICIENT_FUNDS',
      'exception.message': expect.stringContaining('Insufficient funds'),
    });
    expect(capture.spans(S.append)).toEqual([]);
    expect(await capture.counter(M.commands, { [A.commandOutcome]: 'rejected', [A.commandType]: 'Withdraw' })).toBe(1);
  });

  it('counts an expected-state refusal (no such account) as rejected', async () => {
    const { bus } = await busWith();
    await expect(bus.execute(new Deposit('nobody', 5))).rejects.toThrow();
    expect(capture.span(S.command).attributes).toMatchObject({
      [A.commandOutcome]: 'rejected',
      [A.errorCode]: 'MNEME_AGGREGATE_NOT_FOUND',
    });
  });

  it('shows a conflict retried: attempts 2, the failed append, a retry event, one conflict', async () => {
    const { bus } = await busWith({ eventStore: await openedIn('acc-3', 1) });

    await bus.execute(new Deposit('acc-3', 10));

    const command = capture.span(S.command);
    expect(command.attributes).toMatchObject({ [A.commandAttempts]: 2, [A.commandOutcome]: 'ok' });
    expect(command.events).toEqual([
      expect.objectContaining({
        name: 'mneme.retry',
        attributes: expect.objectContaining({
          [A.retryReason]: 'conflict',
          [A.retryAttempt]: 1,
          [A.errorCode]: 'MNEME_CONCURRENCY_CONFLICT',
        }),
      }),
    ]);
    const appends = capture.spans(S.append);
    expect(appends.map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(appends[0]!.attributes[A.errorCode]).toBe('MNEME_CONCURRENCY_CONFLICT');
    expect(appends.every((span) => parentOf(span) === command.spanContext().spanId)).toBe(true);
    expect(capture.spans(S.load)).toHaveLength(2);

    expect(await capture.counter(M.conflicts)).toBe(1);
    expect(await capture.counter(M.conflicts, { [A.aggregateType]: 'BankAccount' })).toBe(1);
    expect(await capture.counter(M.retries, { [A.retryReason]: 'conflict' })).toBe(1);
    expect(await capture.counter(M.retries, { [A.retryReason]: 'transient' })).toBe(0);
  });

  it('shows a transient fault retried: one transient fault on the append, one transient retry', async () => {
    const store = new FlakyStore();
    const { bus } = await busWith({ eventStore: store });
    await bus.execute(new OpenAccount('acc-4', 'Ada'));
    capture.reset();
    store.failNext('append', 'unavailable');

    await bus.execute(new Deposit('acc-4', 10));

    expect(capture.span(S.command).attributes).toMatchObject({ [A.commandAttempts]: 2, [A.commandOutcome]: 'ok' });
    expect(capture.span(S.command).events[0]!.attributes).toMatchObject({ [A.retryReason]: 'transient' });
    expect(capture.spans(S.append)[0]!.attributes[A.errorCode]).toBe('MNEME_EVENT_STORE_UNAVAILABLE');
    expect(await capture.counter(M.transientFaults, { [A.storeOperation]: 'append' })).toBe(1);
    expect(await capture.counter(M.transientFaults, { [A.storeOperation]: 'load' })).toBe(0);
    expect(await capture.counter(M.retries, { [A.retryReason]: 'transient' })).toBe(1);
    expect(await capture.counter(M.conflicts)).toBe(0);
  });

  it('ends a command whose conflicts outlast the retries as conflict-exhausted', async () => {
    const { bus } = await busWith({ eventStore: await openedIn('acc-5', 5), retry: { ...NO_DELAYS, maxRetries: 1 } });

    await expect(bus.execute(new Deposit('acc-5', 1))).rejects.toBeInstanceOf(MaxRetriesExceededError);

    expect(capture.span(S.command).attributes).toMatchObject({
      [A.commandOutcome]: 'conflict-exhausted',
      [A.commandAttempts]: 2,
      [A.errorCode]: 'MNEME_MAX_RETRIES_EXCEEDED',
    });
    expect(await capture.counter(M.conflicts)).toBe(2);
    expect(await capture.counter(M.retries)).toBe(1);
    expect(await capture.counter(M.commands, { [A.commandOutcome]: 'conflict-exhausted' })).toBe(1);
  });

  it('ends a command whose loads keep failing as transient-exhausted', async () => {
    const store = new FlakyStore();
    const { bus } = await busWith({
      eventStore: store,
      retry: { ...NO_DELAYS, transient: { maxRetries: 1, initialDelayMs: 0, maxDelayMs: 0 } },
    });
    await bus.execute(new OpenAccount('acc-6', 'Ada'));
    capture.reset();
    store.failNext('read', 'unavailable', 2);

    await expect(bus.execute(new Deposit('acc-6', 1))).rejects.toBeInstanceOf(TransientRetriesExceededError);

    expect(capture.span(S.command).attributes).toMatchObject({
      [A.commandOutcome]: 'transient-exhausted',
      [A.commandAttempts]: 2,
    });
    const loads = capture.spans(S.load);
    expect(loads.map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR]);
    expect(await capture.counter(M.transientFaults, { [A.storeOperation]: 'load' })).toBe(2);
  });

  it('marks an unexpected failure as outcome error', async () => {
    const store = new FlakyStore();
    const { bus } = await busWith({ eventStore: store });
    await bus.execute(new OpenAccount('acc-7', 'Ada'));
    capture.reset();
    store.failNext('append', 'fatal');

    await expect(bus.execute(new Deposit('acc-7', 1))).rejects.toThrow();

    expect(capture.span(S.command).attributes).toMatchObject({
      [A.commandOutcome]: 'error',
      [A.commandAttempts]: 1,
      [A.errorCode]: 'MNEME_EVENT_STORE_FAILED',
    });
    expect(capture.span(S.command).status.code).toBe(SpanStatusCode.ERROR);
  });

  it('counts commands by outcome, events appended, and times commands and loads', async () => {
    const { bus } = await busWith();
    await bus.execute(new OpenAccount('acc-8', 'Ada'));
    await bus.execute(new Deposit('acc-8', 10));
    await bus.execute(new Deposit('acc-8', 5));
    await expect(bus.execute(new Withdraw('acc-8', 100))).rejects.toBeInstanceOf(InsufficientFunds);

    expect(await capture.counter(M.commands, { [A.commandOutcome]: 'ok' })).toBe(3);
    expect(
      await capture.counter(M.commands, {
        [A.commandOutcome]: 'ok',
        [A.commandType]: 'Deposit',
        [A.aggregateType]: 'BankAccount',
      }),
    ).toBe(2);
    expect(await capture.counter(M.commands, { [A.commandOutcome]: 'rejected' })).toBe(1);
    expect(await capture.counter(M.eventsAppended, { [A.aggregateType]: 'BankAccount' })).toBe(3);
    expect(await capture.recorded(M.commandDuration)).toBe(4);
    expect(await capture.recorded(M.commandDuration, { [A.commandOutcome]: 'rejected' })).toBe(1);
    expect(
      await capture.recorded(M.loadDuration, { [A.aggregateType]: 'BankAccount', [A.loadFromSnapshot]: false }),
    ).toBe(4);
    expect(await capture.counter(M.conflicts)).toBe(0);
    // Metric attributes stay low-cardinality: no stream, no command id.
    for (const attributes of await capture.attributeSets(M.commands)) {
      expect(Object.keys(attributes).sort()).toEqual([A.aggregateType, A.commandOutcome, A.commandType].sort());
    }
  });

  it('marks a load from a snapshot, with the events read after it', async () => {
    const { container, bus } = await busWith();
    await bus.execute(new OpenAccount('acc-9', 'Ada'));
    // 52 events: the snapshot (every 50) covers revision 49.
    for (let i = 0; i < 51; i++) await bus.execute(new Deposit('acc-9', 1));
    capture.reset();
    const snapshotLoadsBefore = await capture.recorded(M.loadDuration, { [A.loadFromSnapshot]: true });

    const account = await container.get(AggregateRepository).load(BankAccount, 'acc-9');

    expect(account.balance).toBe(51);
    // The covered event (checked to be still there) and the two after it.
    expect(capture.span(S.load).attributes).toMatchObject({ [A.loadFromSnapshot]: true, [A.loadEvents]: 3 });
    expect(await capture.recorded(M.loadDuration, { [A.loadFromSnapshot]: true })).toBe(snapshotLoadsBefore + 1);
  });

  it('records metrics with only a meter provider, and no spans', async () => {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], telemetry: { meterProvider: capture.meterProvider } }));
    const bus = container.get(CommandBus);
    await bus.execute(new OpenAccount('meter-only', 'Ada'));
    await bus.execute(new Deposit('meter-only', 3));
    expect(await capture.counter(M.commands, { [A.commandOutcome]: 'ok' })).toBe(2);
    expect(await capture.counter(M.eventsAppended)).toBe(2);
    expect(await capture.recorded(M.loadDuration)).toBe(2);
    expect(capture.spans()).toEqual([]);
  });

  it("calls both the application's onRetry and its own", async () => {
    const notices: RetryNotice[] = [];
    const { bus } = await busWith({
      eventStore: await openedIn('acc-10', 2),
      retry: { ...NO_DELAYS, onRetry: (notice) => void notices.push(notice) },
    });

    await bus.execute(new Deposit('acc-10', 1));

    expect(notices.map((notice) => notice.reason)).toEqual(['conflict', 'conflict']);
    expect(await capture.counter(M.retries, { [A.retryReason]: 'conflict' })).toBe(2);
  });

  it("makes a command started inside the application's span its child", async () => {
    const { bus } = await busWith();
    const tracer = capture.tracerProvider.getTracer('app');
    await tracer.startActiveSpan('http POST /accounts', async (span) => {
      await bus.execute(new OpenAccount('acc-11', 'Ada'));
      span.end();
    });
    expect(parentOf(capture.span(S.command))).toBe(capture.span('http POST /accounts').spanContext().spanId);
  });

  it('traces loads made directly through the repository', async () => {
    const { container, bus } = await busWith();
    await bus.execute(new OpenAccount('acc-12', 'Ada'));
    capture.reset();
    await container.get(AggregateRepository).load(BankAccount, 'acc-12');
    expect(capture.spans().map((span) => span.name)).toEqual([S.load]);
    expect(parentOf(capture.span(S.load))).toBeUndefined();
  });

  it.each([
    ['true', true],
    ['a typo', { tracerProviders: {} }],
    ['a tracer provider without getTracer', { tracerProvider: {} }],
    ['a meter provider that is a string', { meterProvider: 'otel' }],
  ])('fails container.load on a telemetry option that is %s', async (_label, telemetry) => {
    const container = new Container();
    expect(() => container.load(mnemeModule({ telemetry: telemetry as never }))).toThrow(InvalidConfigurationError);
  });
});

describe('telemetry with an SDK registered globally', () => {
  useContextManager();
  let capture: TelemetryCapture;

  beforeEach(() => {
    capture = new TelemetryCapture();
    trace.setGlobalTracerProvider(capture.tracerProvider);
    metrics.setGlobalMeterProvider(capture.meterProvider);
  });
  afterEach(async () => {
    trace.disable();
    metrics.disable();
    await capture.shutdown();
  });

  it('uses the global providers by default', async () => {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount] }));
    await container.get(CommandBus).execute(new OpenAccount('global-1', 'Ada'));
    expect(
      capture
        .spans()
        .map((span) => span.name)
        .sort(),
    ).toEqual([S.append, S.command, S.load].sort());
    expect(await capture.counter(M.commands, { [A.commandType]: 'OpenAccount' })).toBe(1);
  });

  it('records nothing with telemetry: false', async () => {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], telemetry: false }));
    const bus = container.get(CommandBus);
    await bus.execute(new OpenAccount('off-1', 'Ada'));
    await expect(bus.execute(new Withdraw('off-1', 5))).rejects.toBeInstanceOf(InsufficientFunds);
    await container.get(AggregateRepository).load(BankAccount, 'off-1');
    expect(capture.spans()).toEqual([]);
    expect(await capture.points(M.commands)).toEqual([]);
    expect(await capture.points(M.loadDuration)).toEqual([]);
    expect(await capture.points(M.eventsAppended)).toEqual([]);
  });

  it('binds the telemetry it uses as MnemeTelemetry', async () => {
    const on = new Container();
    on.load(mnemeModule({}));
    const off = new Container();
    off.load(mnemeModule({ telemetry: false }));
    expect(on.get(MnemeTelemetry).enabled).toBe(true);
    expect(off.get(MnemeTelemetry)).toBe(MnemeTelemetry.disabled);
  });
});
