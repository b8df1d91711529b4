import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SpanStatusCode } from '@opentelemetry/api';
import { Container } from 'inversify';
import { CommandBus, MNEME_ATTRIBUTES as A, MNEME_METRICS as M, MNEME_SPANS as S, mnemeModule } from 'mneme';
import { BankAccount, Deposit, OpenAccount } from '../../examples/bank-account/domain.js';
import { useKurrentTarget } from '../support/kurrent-target.js';
import { parentOf, TelemetryCapture, useContextManager } from '../support/telemetry-capture.js';

describe('telemetry on KurrentDB', () => {
  useContextManager();
  const kurrent = useKurrentTarget();

  it('traces a command through KurrentEventStore: its load and its append under the command span', async () => {
    const capture = new TelemetryCapture();
    const container = new Container();
    container.load(
      mnemeModule({
        aggregates: [BankAccount],
        eventStore: { kurrent: kurrent.target.connectionString },
        telemetry: { tracerProvider: capture.tracerProvider, meterProvider: capture.meterProvider },
      }),
    );
    try {
      const id = `telemetry-${randomUUID()}`;
      const bus = container.get(CommandBus);
      await bus.execute(new OpenAccount(id, 'Ada'));
      capture.reset();

      await bus.execute(new Deposit(id, 10));

      const command = capture.span(S.command);
      expect(command.attributes).toMatchObject({
        [A.commandType]: 'Deposit',
        [A.stream]: `BankAccount-${id}`,
        [A.commandOutcome]: 'ok',
        [A.commandAttempts]: 1,
      });
      const append = capture.span(S.append);
      expect(parentOf(append)).toBe(command.spanContext().spanId);
      expect(append.attributes).toMatchObject({
        [A.stream]: `BankAccount-${id}`,
        [A.appendEvents]: 1,
        [A.appendExpectedRevision]: '0',
      });
      expect(append.status.code).toBe(SpanStatusCode.UNSET);
      // Cached since it was opened: the load catches up, reading only the cached event (checked to be still there) and what came after.
      expect(capture.span(S.load).attributes).toMatchObject({
        [A.loadEvents]: 1,
        [A.loadFromSnapshot]: false,
        [A.loadFromCache]: true,
      });
      expect(await capture.counter(M.eventsAppended)).toBe(2);
    } finally {
      await container.unbindAllAsync();
      await capture.shutdown();
    }
  });
});
