import { InMemoryEventStore } from 'mneme';
import { describeEventStoreContract } from './event-store-contract.js';

describeEventStoreContract(InMemoryEventStore.name, async () => ({
  store: new InMemoryEventStore(),
  maxAppendSize: 1024 * 1024,
}));
describeEventStoreContract(`${InMemoryEventStore.name} with maxAppendSize 256 KiB`, async () => ({
  store: new InMemoryEventStore({ maxAppendSize: 256 * 1024 }),
  maxAppendSize: 256 * 1024,
}));
