import { describe, it } from '@jest/globals';
import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentEmulator } from 'mneme/testing';
import { describeEventStoreContract } from './event-store-contract.js';

// The client appends through BatchAppend when the server lists it, and through Append otherwise.
for (const batchAppend of [true, false]) {
  describeEventStoreContract(
    `${KurrentEventStore.name} on the emulator, ${batchAppend ? 'BatchAppend' : 'Append'} path`,
    async () => {
      const emulator = await startKurrentEmulator({ batchAppend });
      // A small page size makes the contract's reads cross page boundaries.
      const store = new KurrentEventStore(emulator.connectionString, { readPageSize: 2 });
      return {
        store,
        maxAppendSize: 1024 * 1024, // the emulator's default, as KurrentDB 24.10's
        close: async () => {
          await store.close();
          await emulator.close();
        },
      };
    },
  );
}

const realServer = process.env.KURRENTDB_CONNECTION_STRING;
if (realServer) {
  describeEventStoreContract(
    `${KurrentEventStore.name} on the real server in KURRENTDB_CONNECTION_STRING`,
    async () => {
      const store = KurrentEventStore.fromEnvironment();
      return { store, close: () => store.close() };
    },
  );
} else {
  console.info(
    'KurrentEventStore contract against a real KurrentDB: SKIPPED, KURRENTDB_CONNECTION_STRING is not set. ' +
      'Run `docker compose up -d` and set KURRENTDB_CONNECTION_STRING=kurrentdb://localhost:2113?tls=false to run it.',
  );
  describe.skip(`EventStore contract: ${KurrentEventStore.name} on a real server (skipped: KURRENTDB_CONNECTION_STRING is not set)`, () => {
    it('runs the whole contract against the server in KURRENTDB_CONNECTION_STRING', () => undefined);
  });
}
