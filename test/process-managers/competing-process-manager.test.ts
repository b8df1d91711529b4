import { expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { ALL_STREAM, CommandBus, ProcessManager, mnemeModule, persistentSubscriptionsOf, type EventStore } from 'mneme';
import {
  aggregates,
  describeOnEveryStore,
  eventsOf,
  OpenWallet,
  RequestTransfer,
  startApp,
  transferOutcome,
  Transfers,
  unique,
} from './transfer-fixtures.js';

/** The transfer process manager, its inputs shared by the app instances through a Pinned group. */
@ProcessManager({
  name: 'PmCompetingTransfers',
  from: { categories: ['PmTransfer', 'PmWallet'] },
  mode: 'competing',
  messageTimeoutMs: 5_000,
})
class CompetingTransfers extends Transfers {}

const TRANSFERS = 8;
const APPS = 3;

async function requestTransfers(store: EventStore) {
  const container = new Container();
  container.load(mnemeModule({ aggregates, eventStore: store }));
  const bus = container.get(CommandBus);
  const transfers = await Promise.all(
    Array.from({ length: TRANSFERS }, async () => {
      const [from, to, transferId] = [unique('a'), unique('b'), unique('t')];
      await bus.execute(new OpenWallet(from, 100));
      await bus.execute(new OpenWallet(to, 0));
      await bus.execute(new RequestTransfer(transferId, from, to, 30, false));
      return { from, to, transferId };
    }),
  );
  await container.unbindAllAsync();
  return transfers;
}

describeOnEveryStore('a competing process manager', (openStore, kind) => {
  it(`${APPS} app instances share its inputs: every transfer completes, each command applied once, each input recorded once`, async () => {
    const store = openStore();
    const apps = await Promise.all(
      // One connection per app instance on KurrentDB; one shared store in memory.
      Array.from({ length: APPS }, () =>
        startApp(kind === 'kurrent' ? openStore() : store, { processManagers: [CompetingTransfers] }),
      ),
    );
    try {
      const groups = persistentSubscriptionsOf(store)!;
      const info = await groups.getGroupInfo(ALL_STREAM, 'PmCompetingTransfers');
      expect(info.settings.consumerStrategy).toBe('Pinned');
      const transfers = await requestTransfers(store);
      await apps[0]!.runner.catchUp();
      for (const { from, to, transferId } of transfers) {
        const outcome = await transferOutcome(store, transferId, from, to);
        expect(outcome).toMatchObject({ closed: ['completed'], debits: 1, credits: { from: 0, to: 1 } });
        const records = await eventsOf(store, `PmCompetingTransfers-${transferId}`);
        expect(records.map((record) => record.type)).toEqual([
          'mneme.ProcessHandled',
          'mneme.ProcessHandled',
          'mneme.ProcessHandled',
        ]);
      }
      const split = apps.map((app) => app.runner.status()[0]!.acked ?? 0);
      console.info(`[${kind}] inputs acked by each app instance`, split);
      for (const acked of split) expect(acked).toBeGreaterThan(0);
      expect(apps[0]!.runner.status()).toEqual([
        expect.objectContaining({ name: 'PmCompetingTransfers', mode: 'competing', group: 'PmCompetingTransfers' }),
      ]);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  }, 60_000);
});
