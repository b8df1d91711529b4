import { describe, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { KurrentEventStore } from 'mneme/kurrent';
import { describePersistentSubscriptionContract } from './persistent-subscription-contract.js';

// The emulator joins this run once it speaks the PersistentSubscriptions service; until then the
// contract runs on KurrentEventStore only against a real server.
const realServer = process.env.KURRENTDB_CONNECTION_STRING;
if (realServer) {
  describePersistentSubscriptionContract(`${KurrentEventStore.name} on the real server in KURRENTDB_CONNECTION_STRING`, async () => {
    const store = KurrentEventStore.fromEnvironment();
    return { store, elapse: (ms) => sleep(ms), close: () => store.close() };
  });
} else {
  describe.skip(`Persistent subscriptions contract: ${KurrentEventStore.name} on a real server (skipped: KURRENTDB_CONNECTION_STRING is not set)`, () => {
    it('runs the whole contract against the server in KURRENTDB_CONNECTION_STRING', () => undefined);
  });
}
