import { InMemoryEventStore } from 'mneme';
import { describeEventStoreContract } from './event-store-contract.js';

describeEventStoreContract(InMemoryEventStore.name, async () => ({ store: new InMemoryEventStore() }));
