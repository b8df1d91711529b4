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
    expect(lines.at(-1)).toMatch(/^Accounts by owner \(read model\): Ada -> acc-\w+: 0, acc-\w+s: 250$/);
  });
});
