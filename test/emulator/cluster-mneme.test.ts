/** Mneme on an emulator cluster: two application instances send commands while the leader fails once. */
import { afterEach, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { CommandBus, mnemeModule, type RetryNotice } from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentEmulator, type KurrentEmulatorCluster } from 'mneme/testing';
import { BankAccount, Deposit, OpenAccount } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';
import { describeEmulatorOnly } from '../support/kurrent-target.js';

/**
 * The budget the failover has to fit in: ten retries, 50 ms doubling to 500 ms (full jitter). The
 * client's reads stay on the node they used until it answers again (see the emulator's docs), so
 * the budget covers the election and the failed node's return.
 */
const TRANSIENT = { maxRetries: 10, initialDelayMs: 50, maxDelayMs: 500 };

interface AppInstance {
  readonly store: KurrentEventStore;
  readonly bus: CommandBus;
  readonly notices: RetryNotice[];
}

/** An application instance of its own: its store (its own client), its container, the default retry budget. */
function appInstance(connectionString: string): AppInstance {
  const store = new KurrentEventStore(connectionString);
  const notices: RetryNotice[] = [];
  const container = new Container();
  container.load(
    mnemeModule({
      aggregates: [BankAccount],
      eventStore: store,
      retry: { transient: TRANSIENT, onRetry: (notice) => notices.push(notice) },
    }),
  );
  return { store, bus: container.get(CommandBus), notices };
}

describeEmulatorOnly('Mneme on an emulator cluster', () => {
  let cluster: KurrentEmulatorCluster | undefined;
  const instances: AppInstance[] = [];
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((instance) => instance.store.close()));
    await cluster?.close();
  });

  it('two instances sending commands through a leader failure lose none and store none twice', async () => {
    cluster = await startKurrentEmulator({ nodes: 3, electionDelayMs: 100, rejoinDelayMs: 200 });
    const [first, second] = [appInstance(cluster.connectionString), appInstance(cluster.connectionString)];
    instances.push(first!, second!);
    const accounts = ['acc-1', 'acc-2', 'acc-3'];
    for (const account of accounts) await first!.bus.execute(new OpenAccount(account, 'Ada'));

    const perInstance = 24;
    const sent: Array<{ commandId: string; account: string; amount: number }> = [];
    const failedLeader = { index: -1 };
    const run = async (instance: AppInstance, name: string) => {
      for (let i = 0; i < perInstance; i += 3) {
        // Three commands at once per instance, on three accounts: six concurrent writers in all.
        await Promise.all(
          accounts.map(async (account, k) => {
            const command = { commandId: `${name}-${i + k}`, account, amount: i + k + 1 };
            sent.push(command);
            await instance.bus.execute(new Deposit(account, command.amount), { commandId: command.commandId });
          }),
        );
        if (name === 'first' && i === 9) failedLeader.index = cluster!.failLeader().index;
      }
    };
    const outcomes = await Promise.allSettled([run(first!, 'first'), run(second!, 'second')]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(cluster.leader!.index).not.toBe(failedLeader.index);
    // The failure was felt, and ridden out within the transient budget.
    const transient = [...first!.notices, ...second!.notices].filter((notice) => notice.reason === 'transient');
    expect(transient.length).toBeGreaterThan(0);
    for (const account of accounts) {
      const stored = await collect(first!.store.readStream(`BankAccount-${account}`));
      const commandIds = stored.slice(1).map((event) => event.metadata.commandId);
      const expected = sent.filter((command) => command.account === account).map((command) => command.commandId);
      expect([...commandIds].sort()).toEqual([...expected].sort());
    }
  }, 60_000);
});
