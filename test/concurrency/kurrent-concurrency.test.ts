import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { KurrentEventStore } from 'mneme/kurrent';
import { bankScenarios } from '../support/bank-scenarios.js';
import { resendScenarios } from '../support/resend-scenarios.js';
import { appendPaths, useKurrentTarget } from '../support/kurrent-target.js';

describe.each(appendPaths())('concurrent commands through KurrentEventStore (%s)', (_label, emulatorOptions) => {
  let store: KurrentEventStore;
  afterAll(() => store.close()); // declared first, so it runs before the target closes

  const kurrent = useKurrentTarget(emulatorOptions);
  beforeAll(() => {
    store = new KurrentEventStore(kurrent.target.connectionString);
  });
  const account = () => `acc-${randomUUID()}`;

  it('20 concurrent withdrawals race, retry, and all succeed with an exact balance', async () => {
    await bankScenarios.twentyConcurrentWithdrawals(store, account(), false);
  });

  it('20 concurrent withdrawals queued per stream in process all succeed first time', async () => {
    await bankScenarios.twentyConcurrentWithdrawals(store, account(), true);
  });

  it('of concurrent opens of one account exactly one succeeds', async () => {
    await bankScenarios.concurrentOpens(store, account(), false);
  });

  it('two containers sharing one server conflict and retry correctly', async () => {
    await bankScenarios.twoContainersSharingAStore(store, account());
  });

  it('one command sent 12 times at once from 4 containers is stored once', async () => {
    await resendScenarios.concurrentSendsOfOneCommand(store, account());
  });
});
