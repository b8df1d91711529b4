import { describe, it } from '@jest/globals';
import { InMemoryEventStore } from 'mneme';
import { bankScenarios } from '../support/bank-scenarios.js';
import { resendScenarios } from '../support/resend-scenarios.js';

describe.each([
  ['racing and retrying', false],
  ['queued per stream in process', true],
])('concurrent commands on the InMemoryEventStore, %s', (_label, queue) => {
  it('20 concurrent withdrawals all succeed with an exact balance and contiguous revisions', async () => {
    await bankScenarios.twentyConcurrentWithdrawals(new InMemoryEventStore(), 'acc-20', queue);
  });

  it('of concurrent opens of one account exactly one succeeds', async () => {
    await bankScenarios.concurrentOpens(new InMemoryEventStore(), 'acc-open', queue);
  });
});

describe('two containers on the InMemoryEventStore', () => {
  it('sharing one store conflict and retry correctly', async () => {
    await bankScenarios.twoContainersSharingAStore(new InMemoryEventStore(), 'acc-shared');
  });
});

describe('one command sent many times at once on the InMemoryEventStore', () => {
  it('is stored once, and every send resolves to its one event', async () => {
    await resendScenarios.concurrentSendsOfOneCommand(new InMemoryEventStore(), 'acc-resend');
  });
});
