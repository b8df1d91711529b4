import { describe, expect, it } from '@jest/globals';
import { runBankAccountExample } from '../../examples/bank-account/run.js';

describe('the bank-account example', () => {
  it('runs on the embedded store and ends with the exact balance', async () => {
    const { balance, lines } = await runBankAccountExample({}, () => {});
    // 100 deposited, 30 withdrawn, 1000 rejected, 7 x 10 withdrawn concurrently.
    expect(balance).toBe(0);
    expect(lines[0]).toMatch(/^Opened BankAccount-acc-\S+ for Ada \(revision 0\)$/);
    expect(lines).toContain('Withdrew 30, balance 70');
    expect(
      lines.some((line) => line.includes('Rejected a withdrawal of 1000') && line.includes('BANK_INSUFFICIENT_FUNDS')),
    ).toBe(true);
    expect(lines).toContain('A version-1 Deposited stored without a currency reads as 5 EUR');
    expect(lines).toContain(
      "61 events, a snapshot every 50: loading Grace's account (balance 60) replayed 11 event(s) after the snapshot at revision 49",
    );
    expect(lines).toContainEqual(expect.stringMatching(/Final balance of Ada's account: 0 at revision 9$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^Accounts by owner \(read model\): Ada -> acc-\w+: 0, acc-\w+s: 250$/),
    );
    // The transfer decided across both accounts at once.
    expect(lines).toContain('Atomic transfer of 30 from Dora to Eve: 2 events in one commit, Dora 70, Eve 30');
    expect(lines).toContain(
      'Atomic transfer of 500 from Dora to Eve refused (BANK_INSUFFICIENT_FUNDS): Dora 70, Eve 30',
    );
    // The money transfers, run by a process manager.
    expect(lines).toContain('Transfer of 40 from Alan to Bob: completed');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^Transfer of 25 from Alan to Carol's closed account: compensated \(Account \S+ is closed\)$/,
      ),
    );
    expect(lines).toContain(
      'Transfer of 5000 from Alan to Bob (needs an approval): timed out (no approval within 15 minutes)',
    );
    expect(lines.at(-1)).toBe('After the transfers: Alan 60, Bob 40');
  });
});
