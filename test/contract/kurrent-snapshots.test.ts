import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentTarget } from '../support/kurrent-target.js';
import { describeSnapshotContract } from './snapshot-contract.js';

// The emulator in CI; a real server when KURRENTDB_CONNECTION_STRING is set.
describeSnapshotContract(`${KurrentEventStore.name} (emulator, or KURRENTDB_CONNECTION_STRING)`, async () => {
  const target = await startKurrentTarget();
  // A small page size makes the tail reads cross page boundaries.
  const store = new KurrentEventStore(target.connectionString, { readPageSize: 2 });
  return {
    store,
    scavenges: true,
    close: async () => {
      await store.close();
      await target.close();
    },
  };
});
