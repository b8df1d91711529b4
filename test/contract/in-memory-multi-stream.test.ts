import { InMemoryEventStore } from 'mneme';
import { describeMultiStreamContract } from './multi-stream-contract.js';

describeMultiStreamContract(
  InMemoryEventStore.name,
  async () => ({ store: new InMemoryEventStore(), maxAppendSize: 1024 * 1024 }),
  {
    deletes: false,
    knowsMaxAppendSize: true,
  },
);
