import { describe, it } from '@jest/globals';
import { InMemoryEventStore } from 'mneme';
import { bankScenarios } from '../support/bank-scenarios.js';

describe('concurrent commands on the InMemoryEventStore', () => {
  it('20 concurrent withdrawals all succeed with an exact balance and contiguous revisions', async () => {
    await bankScenarios.twentyConcurrentWithdrawals(new InMemoryEventStore(), 'acc-20');
  });

  it('of concurrent opens of one account exactly one succeeds', async () => {
    await bankScenarios.concurrentOpens(new InMemoryEventStore(), 'acc-open');
  });

  it('two containers sharing one store conflict and retry correctly', async () => {
    await bankScenarios.twoContainersSharingAStore(new InMemoryEventStore(), 'acc-shared');
  });
});
