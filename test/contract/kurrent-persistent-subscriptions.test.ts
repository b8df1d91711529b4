import { describe, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentEmulator } from 'mneme/testing';
import { describePersistentSubscriptionContract } from './persistent-subscription-contract.js';

// The emulator's groups run on real time (the server's one-second tick), as a server's do.
describePersistentSubscriptionContract(`${KurrentEventStore.name} on the emulator`, async () => {
  const emulator = await startKurrentEmulator();
  const store = new KurrentEventStore(emulator.connectionString);
  return {
    store,
    elapse: (ms) => sleep(ms),
    close: async () => {
      await store.close();
      await emulator.close();
    },
  };
});

const realServer = process.env.KURRENTDB_CONNECTION_STRING;
if (realServer) {
  describePersistentSubscriptionContract(
    `${KurrentEventStore.name} on the real server in KURRENTDB_CONNECTION_STRING`,
    async () => {
      const store = KurrentEventStore.fromEnvironment();
      return { store, elapse: (ms) => sleep(ms), close: () => store.close() };
    },
  );
} else {
  describe.skip(`Persistent subscriptions contract: ${KurrentEventStore.name} on a real server (skipped: KURRENTDB_CONNECTION_STRING is not set)`, () => {
    it('runs the whole contract against the server in KURRENTDB_CONNECTION_STRING', () => undefined);
  });
}
