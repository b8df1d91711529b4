import { describe, expect, it } from '@jest/globals';
import { InMemoryEventStore } from 'mneme';
import { FlakyStore } from '../support/flaky-store.js';
import { seededRandom } from '../support/prng.js';
import { checkAgainstModel } from './bank-model.js';
import { runBankStress } from './bank-stress.js';

const SEED = Number(process.env.STRESS_SEED ?? 20261128);

describe('stress: 16 clients over 4 containers on InMemoryEventStore', () => {
  it('stores every accepted command once and keeps every balance exact, without faults', async () => {
    const store = new InMemoryEventStore();
    const report = await runBankStress({ store, seed: SEED, commands: 400, accounts: 5 });
    console.info(`[stress] in-memory, seed ${SEED}: ${JSON.stringify(report.counts)}`);
    expect(report.unexpected).toEqual([]);
    expect(report.counts.accepted).toBeGreaterThan(0);
    expect(report.counts.rejected).toBeGreaterThan(0);
    await checkAgainstModel(store, report.commands, report.outcomes, report.accounts);
  });

  it('stores every accepted command once with random transient faults, lost replies included', async () => {
    const faults = seededRandom(SEED + 1);
    const store = new FlakyStore({ next: faults, rate: 0.1 });
    const report = await runBankStress({ store, seed: SEED, commands: 400, accounts: 5 });
    console.info(
      `[stress] in-memory with faults, seed ${SEED}: ${JSON.stringify({ ...report.counts, faults: store.faults })}`,
    );
    expect(report.unexpected).toEqual([]);
    expect(store.faults['drop-after-write']).toBeGreaterThan(0);
    expect(report.counts.transientRetried).toBeGreaterThan(0);
    store.stopFaults();
    await checkAgainstModel(store, report.commands, report.outcomes, report.accounts);
  });
});
