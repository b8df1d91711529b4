import { expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { CommandBus, mnemeModule, type EventStore } from 'mneme';
import { ManualClock } from 'mneme/testing';
import {
  aggregates,
  ApproveTransfer,
  describeOnEveryStore,
  OpenWallet,
  RequestTransfer,
  startApp,
  TIMEOUT_MS,
  transferOutcome,
  unique,
} from './transfer-fixtures.js';

const START = Date.UTC(2030, 0, 1);

async function requestApproval(store: EventStore) {
  const container = new Container();
  container.load(mnemeModule({ aggregates, eventStore: store }));
  const bus = container.get(CommandBus);
  const [from, to, transferId] = [unique('a'), unique('b'), unique('t')];
  await bus.execute(new OpenWallet(from, 100));
  await bus.execute(new OpenWallet(to, 0));
  await bus.execute(new RequestTransfer(transferId, from, to, 30, true));
  await container.unbindAllAsync();
  return { from, to, transferId, bus };
}

describeOnEveryStore('durable timers', (openStore) => {
  it('survive a restart: scheduled by one process, fired once by the next after their time', async () => {
    const store = openStore();
    const { from, to, transferId } = await requestApproval(store);
    const clock = new ManualClock(START);
    const first = await startApp(store, { clock });
    await first.runner.catchUp(); // schedules the reminder and the timeout
    await first.close();
    clock.advance(TIMEOUT_MS); // both due while nothing runs
    const second = await startApp(store, { clock });
    await second.runner.catchUp();
    await second.runner.catchUp();
    await second.close();
    const third = await startApp(store, { clock }); // a later restart fires nothing again
    await third.runner.catchUp();
    await third.close();
    const outcome = await transferOutcome(store, transferId, from, to);
    expect(outcome).toMatchObject({ closed: ['timed out'], reminded: 1 });
    expect(outcome.processTypes.filter((type) => type === 'mneme.ProcessTimerFired')).toHaveLength(2);
  });

  it('fire once when several instances run, each polling its own clock', async () => {
    const store = openStore();
    const { from, to, transferId } = await requestApproval(store);
    const clock = new ManualClock(START);
    const apps = await Promise.all(Array.from({ length: 3 }, () => startApp(store, { clock })));
    await Promise.all(apps.map((app) => app.runner.catchUp()));
    clock.advance(TIMEOUT_MS);
    await Promise.all(apps.map((app) => app.runner.catchUp()));
    await Promise.all(apps.map((app) => app.runner.catchUp()));
    await Promise.all(apps.map((app) => app.close()));
    const outcome = await transferOutcome(store, transferId, from, to);
    expect(outcome).toMatchObject({ closed: ['timed out'], reminded: 1 });
    expect(outcome.processTypes.filter((type) => type === 'mneme.ProcessTimerFired')).toHaveLength(2);
    expect(outcome.processTypes.filter((type) => type === 'mneme.ProcessHandled')).toHaveLength(3);
  });

  it('do not fire for a completed process, even after a restart', async () => {
    const store = openStore();
    const { from, to, transferId } = await requestApproval(store);
    const clock = new ManualClock(START);
    const first = await startApp(store, { clock });
    await first.runner.catchUp();
    await first.bus.execute(new ApproveTransfer(transferId));
    await first.runner.catchUp(); // debited, credited, completed
    await first.close();
    clock.advance(TIMEOUT_MS * 10);
    const second = await startApp(store, { clock });
    await second.runner.catchUp();
    await second.close();
    const outcome = await transferOutcome(store, transferId, from, to);
    expect(outcome).toMatchObject({ closed: ['completed'], reminded: 0 });
    expect(outcome.processTypes).not.toContain('mneme.ProcessTimerFired');
  });

  it('fire from the poll, without catchUp, once their time has come', async () => {
    const store = openStore();
    const { from, to, transferId } = await requestApproval(store);
    const clock = new ManualClock(START);
    const app = await startApp(store, { clock, timerPollMs: 5 });
    await app.runner.catchUp();
    clock.advance(TIMEOUT_MS);
    let outcome = await transferOutcome(store, transferId, from, to);
    for (let i = 0; i < 400 && outcome.closed.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      outcome = await transferOutcome(store, transferId, from, to);
    }
    await app.close();
    expect(outcome).toMatchObject({ closed: ['timed out'], reminded: 1 });
  });
});
