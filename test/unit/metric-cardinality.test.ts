import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  CommandBus,
  MNEME_ATTRIBUTES as A,
  MNEME_METRICS as M,
  mnemeModule,
  On,
  Projection,
  ProjectionRunner,
} from 'mneme';
import { conflictingStore } from 'mneme/testing';
import { AccountOpened, BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { FlakyStore } from '../support/flaky-store.js';
import { TelemetryCapture } from '../support/telemetry-capture.js';

@Projection({ name: 'cardinality-owners', from: { categories: ['BankAccount'] } })
class Owners {
  readonly owners: string[] = [];
  @On(AccountOpened) opened(event: AccountOpened) {
    this.owners.push(event.owner);
  }
}

// README: "Metric attributes never hold a stream name or an id, so their number of series stays
// bounded by your command classes, aggregates and projections." Checked on every instrument, after a
// workload that records on each of them, with many distinct ids.
describe('metric attributes', () => {
  let capture: TelemetryCapture;
  beforeEach(() => {
    capture = new TelemetryCapture();
  });
  afterEach(async () => {
    await capture.shutdown();
  });

  it('hold no stream name, aggregate id or command id on any instrument, however many ids are used', async () => {
    const store = conflictingStore(new FlakyStore().failNext('read', 'unavailable'), { times: 1 });
    const container = new Container();
    container.load(
      mnemeModule({
        aggregates: [BankAccount],
        eventStore: store,
        projections: [Owners],
        retry: { initialDelayMs: 0, maxDelayMs: 0, transient: { initialDelayMs: 0, maxDelayMs: 0 } },
        telemetry: { tracerProvider: capture.tracerProvider, meterProvider: capture.meterProvider },
      }),
    );
    const bus = container.get(CommandBus);
    const ids = Array.from({ length: 20 }, (_, i) => `acc-${i}`);
    for (const id of ids) {
      await bus.execute(new OpenAccount(id, `owner-${id}`), { commandId: `open-${id}` });
      await bus.execute(new Deposit(id, 5), { commandId: `deposit-${id}` });
      await bus.execute(new Withdraw(id, 50)).catch(() => undefined);
    }
    const runner = container.get(ProjectionRunner);
    await runner.start();
    await runner.catchUp();
    await runner.stop();

    const forbiddenKeys = [A.stream, A.commandId];
    const idLike = (value: unknown) => typeof value === 'string' && /acc-\d|open-|deposit-/.test(value);
    let instrumentsSeen = 0;
    for (const name of Object.values(M)) {
      const sets = await capture.attributeSets(name);
      if (sets.length > 0) instrumentsSeen += 1;
      for (const attributes of sets) {
        for (const key of forbiddenKeys) expect(attributes).not.toHaveProperty([key]);
        expect(Object.entries(attributes).filter(([, value]) => idLike(value))).toEqual([]);
      }
      expect(sets.length).toBeLessThanOrEqual(10); // series per instrument: bounded by classes and outcomes, not by the 20 accounts
    }
    expect(instrumentsSeen).toBe(Object.values(M).length); // the workload recorded on every instrument
  });
});
