import { describe, expect, it } from '@jest/globals';
import { ManualClock } from 'mneme/testing';
import {
  ApproveTransfer,
  describeOnEveryStore,
  OpenWallet,
  RequestTransfer,
  startApp,
  TIMEOUT_MS,
  transferOutcome,
  unique,
} from './transfer-fixtures.js';

describeOnEveryStore('a process manager', (openStore) => {
  async function scenario(
    balance: number,
    amount: number,
    options: { createTo?: boolean; needsApproval?: boolean } = {},
  ) {
    const store = openStore();
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const app = await startApp(store, { clock });
    const [from, to, transferId] = [unique('a'), unique('b'), unique('t')];
    await app.bus.execute(new OpenWallet(from, balance));
    if (options.createTo !== false) await app.bus.execute(new OpenWallet(to, 0));
    await app.bus.execute(new RequestTransfer(transferId, from, to, amount, options.needsApproval ?? false));
    return { store, clock, app, from, to, transferId };
  }

  it('debits, credits and completes a transfer, each command once', async () => {
    const { store, app, from, to, transferId } = await scenario(100, 30);
    await app.runner.catchUp();
    await app.runner.catchUp(); // a second pass changes nothing
    await app.close();
    const outcome = await transferOutcome(store, transferId, from, to);
    expect(outcome).toMatchObject({ closed: ['completed'], debits: 1, credits: { from: 0, to: 1 } });
    // One record per input: requested, debited, credited.
    expect(outcome.processTypes).toEqual(['mneme.ProcessHandled', 'mneme.ProcessHandled', 'mneme.ProcessHandled']);
  });

  it('records a rejected debit and closes the transfer as rejected, with no credit', async () => {
    const { store, app, from, to, transferId } = await scenario(10, 30);
    await app.runner.catchUp();
    await app.close();
    const outcome = await transferOutcome(store, transferId, from, to);
    expect(outcome).toMatchObject({ closed: ['rejected'], debits: 0, credits: { from: 0, to: 0 } });
    expect(outcome.processTypes.filter((type) => type === 'mneme.CommandRejected')).toHaveLength(1);
  });

  it('compensates a credit the other wallet rejects by refunding the debited wallet', async () => {
    const { store, app, from, to, transferId } = await scenario(100, 30, { createTo: false });
    await app.runner.catchUp();
    await app.close();
    expect(await transferOutcome(store, transferId, from, to)).toMatchObject({
      closed: ['compensated'],
      debits: 1,
      credits: { from: 1, to: 0 },
    });
  });

  it('times out a transfer left unapproved: reminds at half time (a scheduled command), closes at the timeout (a scheduled event)', async () => {
    const { store, clock, app, from, to, transferId } = await scenario(100, 30, { needsApproval: true });
    await app.runner.catchUp();
    expect(await transferOutcome(store, transferId, from, to)).toMatchObject({ closed: [], reminded: 0 });
    clock.advance(TIMEOUT_MS / 2 - 1);
    await app.runner.catchUp();
    expect((await transferOutcome(store, transferId, from, to)).reminded).toBe(0); // not before its time
    clock.advance(1);
    await app.runner.catchUp();
    expect(await transferOutcome(store, transferId, from, to)).toMatchObject({ closed: [], reminded: 1 });
    clock.advance(TIMEOUT_MS / 2);
    await app.runner.catchUp();
    await app.runner.catchUp();
    await app.close();
    expect(await transferOutcome(store, transferId, from, to)).toMatchObject({
      closed: ['timed out'],
      reminded: 1,
      debits: 0,
    });
  });

  it('goes on with an approved transfer and never fires its timeout once it completed', async () => {
    const { store, clock, app, from, to, transferId } = await scenario(100, 30, { needsApproval: true });
    await app.runner.catchUp();
    await app.bus.execute(new ApproveTransfer(transferId));
    await app.runner.catchUp();
    clock.advance(TIMEOUT_MS * 2);
    await app.runner.catchUp();
    await app.close();
    const outcome = await transferOutcome(store, transferId, from, to);
    expect(outcome).toMatchObject({ closed: ['completed'], debits: 1, credits: { from: 0, to: 1 }, reminded: 0 });
    expect(outcome.processTypes).not.toContain('mneme.ProcessTimerFired');
  });
});

describe('a process manager run by the ProjectionRunner', () => {
  it('shows in status() under its name', async () => {
    const { InMemoryEventStore } = await import('mneme');
    const app = await startApp(new InMemoryEventStore());
    expect(app.runner.status().map((status) => [status.name, status.state])).toEqual([['PmTransfers', 'running']]);
    await app.close();
  });
});
