import { expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { CommandBus, mnemeModule, type EventStore } from 'mneme';
import { ManualClock } from 'mneme/testing';
import { CrashingStore } from './crashing-store.js';
import {
  aggregates,
  describeOnEveryStore,
  OpenWallet,
  RequestTransfer,
  startApp,
  TIMEOUT_MS,
  transferOutcome,
  unique,
} from './transfer-fixtures.js';

type Scenario = 'completed' | 'compensated' | 'timed out';

/** Writes the wallets and the request through a container that runs no process manager. */
async function setUp(store: EventStore, scenario: Scenario) {
  const container = new Container();
  container.load(mnemeModule({ aggregates, eventStore: store }));
  const bus = container.get(CommandBus);
  const [from, to, transferId] = [unique('a'), unique('b'), unique('t')];
  await bus.execute(new OpenWallet(from, 100));
  if (scenario !== 'compensated') await bus.execute(new OpenWallet(to, 0)); // a missing wallet rejects the credit
  await bus.execute(new RequestTransfer(transferId, from, to, 30, scenario === 'timed out'));
  await container.unbindAllAsync();
  return { from, to, transferId };
}

/** catchUp, moving the clock past the timers for the timed-out scenario; bounded, as a dead process may hang. */
async function drive(app: Awaited<ReturnType<typeof startApp>>, clock: ManualClock, scenario: Scenario): Promise<void> {
  const bounded = (promise: Promise<void>) =>
    Promise.race([
      promise,
      new Promise<void>((_, reject) => setTimeout(() => reject(new Error('catchUp hung')), 15_000).unref()),
    ]);
  await bounded(app.runner.catchUp());
  if (scenario === 'timed out') {
    clock.advance(TIMEOUT_MS);
    await bounded(app.runner.catchUp());
  }
}

const EXPECTED: Record<Scenario, object> = {
  completed: { closed: ['completed'], debits: 1, credits: { from: 0, to: 1 }, reminded: 0 },
  compensated: { closed: ['compensated'], debits: 1, credits: { from: 1, to: 0 }, reminded: 0 },
  'timed out': { closed: ['timed out'], debits: 0, credits: { from: 0, to: 0 }, reminded: 1 },
};

describeOnEveryStore('exactly-once effects', (openStore, kind) => {
  for (const scenario of ['completed', 'compensated', 'timed out'] as const) {
    it(`a ${scenario} transfer applies every command once, whichever append the process dies at (before or after it)`, async () => {
      const covered: string[] = [];
      for (const when of ['before', 'after'] as const) {
        for (let killAt = 1; ; killAt++) {
          expect(killAt).toBeLessThan(60); // bounded: the scenario has far fewer appends
          const inner = openStore();
          const clock = new ManualClock(Date.UTC(2030, 0, 1));
          const { from, to, transferId } = await setUp(inner, scenario);

          const crashing = new CrashingStore(inner, killAt, when);
          const doomed = await startApp(crashing, { clock });
          await drive(doomed, clock, scenario).catch(() => undefined);
          await doomed.close().catch(() => undefined);
          if (crashing.killedAt) covered.push(crashing.killedAt);

          // Restart: a new process on the same store finishes the work.
          const restarted = await startApp(inner, { clock });
          await drive(restarted, clock, scenario);
          await restarted.close();
          const outcome = await transferOutcome(inner, transferId, from, to);
          expect({ killedAt: crashing.killedAt, ...outcome }).toMatchObject({
            killedAt: crashing.killedAt,
            ...EXPECTED[scenario],
          });
          // One record per input, whatever was redelivered.
          const records = outcome.processTypes.filter((type) => type === 'mneme.ProcessHandled').length;
          expect(records).toBe(scenario === 'completed' ? 3 : scenario === 'compensated' ? 4 : 3);
          // (An append that failed by itself, a conflict, leaves the process alive: that point had no effect to lose.)
          if (crashing.appends < killAt) break; // this run never reached append #killAt: every point was covered
        }
      }
      if (process.env.PM_CRASH_POINTS) console.info(covered.join('\n'));
      // The points include the record, each send and what follows it.
      expect(covered.some((point) => point.includes('mneme.ProcessHandled'))).toBe(true);
      expect(covered.filter((point) => point.includes('(PmTest.')).length).toBeGreaterThanOrEqual(4); // the sends, before and after
      if (scenario === 'compensated')
        expect(covered.some((point) => point.includes('mneme.CommandRejected'))).toBe(true);
      if (scenario === 'timed out')
        expect(covered.some((point) => point.includes('mneme.ProcessTimerFired'))).toBe(true);
      if (kind === 'memory') expect(covered.length).toBeGreaterThanOrEqual(12);
    }, 240_000);
  }

  it('two instances handling the same transfer at once record each input once and apply each command once', async () => {
    const store = openStore();
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const { from, to, transferId } = await setUp(store, 'completed');
    const apps = await Promise.all([
      startApp(store, { clock }),
      startApp(store, { clock }),
      startApp(store, { clock }),
    ]);
    await Promise.all(apps.map((app) => app.runner.catchUp()));
    await Promise.all(apps.map((app) => app.close()));
    const outcome = await transferOutcome(store, transferId, from, to);
    expect(outcome).toMatchObject(EXPECTED.completed);
    expect(outcome.processTypes).toEqual(['mneme.ProcessHandled', 'mneme.ProcessHandled', 'mneme.ProcessHandled']);
  });
});
