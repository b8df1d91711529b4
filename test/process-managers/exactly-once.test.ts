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

const CHECKPOINT = 'mneme.checkpoint to mneme_checkpoint-* #1';
/**
 * Every append the process makes in each scenario (the setup's are not its own): the points it is
 * killed at. Named by what is appended, as the order of the timers' and the handling's appends
 * varies from run to run.
 */
const POINTS: Record<Scenario, string[]> = {
  completed: [
    'mneme.ProcessHandled of PmTest.TransferRequested sending Debit to PmTransfers-* #1',
    'PmTest.Debited to PmWallet-* #1',
    'mneme.ProcessHandled of PmTest.Debited sending Credit to PmTransfers-* #1',
    'PmTest.Credited to PmWallet-* #1',
    'mneme.ProcessHandled of PmTest.Credited sending CloseTransfer to PmTransfers-* #1',
    'PmTest.TransferClosed to PmTransfer-* #1',
    CHECKPOINT,
  ],
  compensated: [
    'mneme.ProcessHandled of PmTest.TransferRequested sending Debit to PmTransfers-* #1',
    'PmTest.Debited to PmWallet-* #1',
    'mneme.ProcessHandled of PmTest.Debited sending Credit to PmTransfers-* #1',
    'mneme.CommandRejected to PmTransfers-* #1',
    'mneme.ProcessHandled of mneme.CommandRejected sending Credit to PmTransfers-* #1',
    'PmTest.Credited to PmWallet-* #1',
    'mneme.ProcessHandled of PmTest.Credited sending CloseTransfer to PmTransfers-* #1',
    'PmTest.TransferClosed to PmTransfer-* #1',
    CHECKPOINT,
  ],
  'timed out': [
    'mneme.ProcessHandled of PmTest.TransferRequested to PmTransfers-* #1',
    'mneme.ProcessTimerFired to PmTransfers-* #1',
    'mneme.ProcessTimerFired to PmTransfers-* #2',
    'mneme.ProcessHandled of mneme.ProcessTimerFired sending RemindApprover to PmTransfers-* #1',
    'PmTest.ApproverReminded to PmTransfer-* #1',
    'mneme.ProcessHandled of mneme.ProcessTimerFired sending CloseTransfer to PmTransfers-* #1',
    'PmTest.TransferClosed to PmTransfer-* #1',
    CHECKPOINT,
  ],
};

/**
 * One transfer on a fresh store: a process that dies at `killAt` (or never), then a new process on
 * the same store that finishes the work. Checkpoints are saved only when a process stops, so that
 * every run makes the same appends (an interval's save depends on how long the run takes).
 */
async function dieAndRestart(
  openStore: () => EventStore,
  scenario: Scenario,
  killAt: string | undefined,
  when: 'before' | 'after',
) {
  const inner = openStore();
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const { from, to, transferId } = await setUp(inner, scenario);
  const options = { clock, projectionRunner: { checkpointEvery: { ms: 3_600_000 } } };

  const crashing = new CrashingStore(inner, killAt, when);
  const doomed = await startApp(crashing, options);
  await drive(doomed, clock, scenario).catch(() => undefined);
  await doomed.close().catch(() => undefined);

  const restarted = await startApp(inner, options);
  await drive(restarted, clock, scenario);
  await restarted.close();
  return { crashing, outcome: await transferOutcome(inner, transferId, from, to) };
}

describeOnEveryStore('exactly-once effects', (openStore) => {
  for (const scenario of ['completed', 'compensated', 'timed out'] as const) {
    it(`a ${scenario} transfer applies every command once, whichever append the process dies at (before or after it)`, async () => {
      // A process that does not die makes exactly these appends: the list is every point there is.
      const { crashing: survivor } = await dieAndRestart(openStore, scenario, undefined, 'before');
      expect([...survivor.reached].sort()).toEqual([...POINTS[scenario]].sort());

      for (const point of POINTS[scenario]) {
        for (const when of ['before', 'after'] as const) {
          const { crashing, outcome } = await dieAndRestart(openStore, scenario, point, when);
          // The process died at this very point (it was reached), and the restart applied every command once.
          expect({ killedAt: crashing.killedAt, ...outcome }).toMatchObject({
            killedAt: `${when} ${point}`,
            ...EXPECTED[scenario],
          });
          // One record per input, whatever was redelivered.
          const records = outcome.processTypes.filter((type) => type === 'mneme.ProcessHandled').length;
          expect(records).toBe(scenario === 'compensated' ? 4 : 3);
        }
      }
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
