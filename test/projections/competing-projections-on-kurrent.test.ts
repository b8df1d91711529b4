import 'reflect-metadata';
import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentTarget } from '../support/kurrent-target.js';
import { describeCompetingProjections } from './competing-projection-scenarios.js';

// Each instance has its own connection; a killed one closes it, as a crashed process's goes away.
describeCompetingProjections(`${KurrentEventStore.name} (the emulator, or KURRENTDB_CONNECTION_STRING)`, async () => {
  const target = await startKurrentTarget();
  const stores: KurrentEventStore[] = [];
  const connect = () => {
    const store = new KurrentEventStore(target.connectionString);
    stores.push(store);
    return store;
  };
  const shared = connect();
  return {
    store: () => shared,
    killableStore: () => {
      const store = connect();
      return Promise.resolve({ store, kill: () => store.close() });
    },
    close: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await target.close();
    },
  };
});
