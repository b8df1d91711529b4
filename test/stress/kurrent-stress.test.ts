import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KurrentEventStore } from 'mneme/kurrent';
import type { EmulatorMethod, FaultKind } from 'mneme/testing';
import { pick } from '../support/prng.js';
import { appendPaths, useKurrentTarget } from '../support/kurrent-target.js';
import { checkAgainstModel } from './bank-model.js';
import { runBankStress } from './bank-stress.js';

const SEED = Number(process.env.STRESS_SEED ?? 20261128);
const FAULT_KINDS: readonly FaultKind[] = ['unavailable', 'deadline-exceeded', 'not-leader', 'drop-after-write'];

describe.each(appendPaths())(
  'stress: 16 clients over 4 containers on KurrentEventStore (%s)',
  (label, emulatorOptions) => {
    let store: KurrentEventStore;
    afterAll(() => store.close()); // before the target closes
    const kurrent = useKurrentTarget(emulatorOptions);
    beforeAll(() => {
      store = new KurrentEventStore(kurrent.target.connectionString);
    });

    it('stores every accepted command once and keeps every balance exact, with random transient faults', async () => {
      // Faults need the emulator; against a real server the same run goes without them.
      const emulator = kurrent.target.emulator;
      const appendMethod: EmulatorMethod = label === 'Append' ? 'Append' : 'BatchAppend';
      const injected: Record<string, number> = {};
      const report = await runBankStress({
        store,
        seed: SEED,
        commands: 300,
        accounts: 5,
        beforeSend: (random) => {
          if (!emulator || random() >= 0.08) return;
          const kind = pick(random, FAULT_KINDS);
          const method: EmulatorMethod = kind === 'drop-after-write' || random() < 0.6 ? appendMethod : 'Read';
          emulator.injectFaults({ kind, methods: [method] });
          injected[`${kind}:${method}`] = (injected[`${kind}:${method}`] ?? 0) + 1;
        },
      });
      emulator?.clearFaults();
      console.info(`[stress] KurrentDB (${label}), seed ${SEED}: ${JSON.stringify({ ...report.counts, injected })}`);
      expect(report.unexpected).toEqual([]);
      expect(report.counts.accepted).toBeGreaterThan(0);
      if (emulator) expect(report.counts.transientRetried).toBeGreaterThan(0);
      await checkAgainstModel(store, report.commands, report.outcomes, report.accounts);
    }, 60_000);
  },
);
