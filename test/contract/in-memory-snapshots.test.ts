import { InMemoryEventStore } from 'mneme';
import { describeSnapshotContract } from './snapshot-contract.js';

describeSnapshotContract(InMemoryEventStore.name, async () => ({ store: new InMemoryEventStore(), scavenges: false }));
