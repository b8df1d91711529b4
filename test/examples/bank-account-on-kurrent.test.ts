import { describe, expect, it } from '@jest/globals';
import { runBankAccountExample } from '../../examples/bank-account/run.js';
import { useKurrentTarget } from '../support/kurrent-target.js';

describe('the bank-account example on KurrentDB', () => {
  const kurrent = useKurrentTarget();

  it('runs unchanged through KurrentEventStore and ends with the exact balance', async () => {
    const { balance, lines } = await runBankAccountExample({ eventStore: { kurrent: kurrent.target.connectionString } }, () => {});
    expect(balance).toBe(0);
    expect(lines).toContain('Withdrew 30, balance 70');
    expect(lines).toContainEqual(expect.stringMatching(/Final balance of Ada's account: 0 at revision 9$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Accounts by owner \(read model\): Ada -> acc-\w+: 0, acc-\w+s: 250$/));
    expect(lines).toContain('Transfer of 40 from Alan to Bob: completed');
    expect(lines).toContainEqual(expect.stringMatching(/^Transfer of 25 from Alan to Carol's closed account: compensated/));
    expect(lines).toContain('Transfer of 5000 from Alan to Bob (needs an approval): timed out (no approval within 15 minutes)');
    expect(lines.at(-1)).toBe('After the transfers: Alan 60, Bob 40');
  });
});
