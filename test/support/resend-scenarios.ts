import { expect } from '@jest/globals';
import type { EventStore } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { bankContainer } from './bank-scenarios.js';
import { collect } from './collect.js';

/** Exactly-once scenarios, written once and run on every store. */
export const resendScenarios = {
  /**
   * The same command sent 12 times at once from 4 containers: every send resolves the same, stored
   * once. Sends that decided at the same revision are deduplicated by their event ids; later ones by
   * finding the command's event in the stream (the unit tests take each mechanism alone).
   */
  async concurrentSendsOfOneCommand(store: EventStore, accountId: string): Promise<void> {
    const containers = await Promise.all([0, 1, 2, 3].map(() => bankContainer(store, undefined, false)));
    await containers[0]!.bus.execute(new OpenAccount(accountId, 'Ada'));
    await containers[0]!.bus.execute(new Deposit(accountId, 100));
    const commandId = `withdraw-once-${accountId}`;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => containers[i % 4]!.bus.execute(new Withdraw(accountId, 60), { commandId })),
    );
    expect(new Set(results.map((r) => r.nextExpectedRevision))).toEqual(new Set([2n]));
    expect(results.every((r) => r.events.length === 1)).toBe(true);
    const stored = await collect(store.readStream(`BankAccount-${accountId}`));
    expect(stored.map((e) => [e.type, e.metadata.commandId === commandId])).toEqual([
      ['BankAccount.Opened', false],
      ['BankAccount.Deposited', false],
      ['BankAccount.Withdrawn', true],
    ]);
    // Had any send been decided twice, the second withdrawal of 60 would have been refused or stored.
    expect((await containers[1]!.repository.load(BankAccount, accountId)).balance).toBe(40);
  },
};
