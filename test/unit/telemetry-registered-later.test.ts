import 'reflect-metadata';
import { afterAll, describe, expect, it } from '@jest/globals';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Container } from 'inversify';
import { CommandBus, MNEME_METRICS as M, MNEME_SPANS as S, mnemeModule } from 'mneme';
import { BankAccount, Deposit, OpenAccount } from '../../examples/bank-account/domain.js';
import { TelemetryCapture } from '../support/telemetry-capture.js';

/** Where @opentelemetry/api 1.x keeps what is registered with it; absent until the first registration. */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

describe('telemetry with an SDK registered after the container was created', () => {
  const capture = new TelemetryCapture();
  const manager = new AsyncLocalStorageContextManager();
  afterAll(async () => {
    trace.disable();
    metrics.disable();
    context.disable();
    manager.disable();
    await capture.shutdown();
  });

  it('records nothing before the registration and traces every command after it', async () => {
    expect((globalThis as Record<symbol, unknown>)[API_GLOBAL]).toBeUndefined();
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount] }));
    const bus = container.get(CommandBus);
    await bus.execute(new OpenAccount('later-1', 'Ada'));

    context.setGlobalContextManager(manager.enable());
    trace.setGlobalTracerProvider(capture.tracerProvider);
    metrics.setGlobalMeterProvider(capture.meterProvider);
    await bus.execute(new Deposit('later-1', 10));

    const command = capture.span(S.command);
    expect(command.attributes['mneme.command.type']).toBe('Deposit');
    const children = capture.spans().filter((span) => span.parentSpanContext?.spanId === command.spanContext().spanId);
    expect(children.map((span) => span.name).sort()).toEqual([S.append, S.load].sort());
    // The meter is taken when the telemetry is created (then the API's no-op one): no metrics.
    expect(await capture.points(M.commands)).toEqual([]);
  });
});
