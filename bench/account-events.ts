/**
 * The bank account's events as plain data: what every store (Mneme's and the baselines') is seeded
 * with. The type names are the ones Mneme's example stores, so every variant folds the same history.
 */
export const OPENED = 'BankAccount.Opened';
export const DEPOSITED = 'BankAccount.Deposited';
export const WITHDRAWN = 'BankAccount.Withdrawn';

export interface AccountEventData {
  type: typeof OPENED | typeof DEPOSITED | typeof WITHDRAWN;
  data: { accountId: string; owner?: string; amount?: number };
}

/** An opening followed by alternating deposits of 2 and withdrawals of 1: the balance is known without folding. */
export function accountHistory(accountId: string, length: number, from = 0): AccountEventData[] {
  const events: AccountEventData[] = [];
  for (let i = from; i < from + length; i++) {
    if (i === 0) events.push({ type: OPENED, data: { accountId, owner: 'Ada' } });
    else if (i % 2 === 1) events.push({ type: DEPOSITED, data: { accountId, amount: 2 } });
    else events.push({ type: WITHDRAWN, data: { accountId, amount: 1 } });
  }
  return events;
}

/** The balance after the first `length` events of {@link accountHistory}. */
export function balanceAfter(length: number): number {
  const deposits = Math.floor(length / 2);
  const withdrawals = Math.max(0, Math.ceil(length / 2) - 1);
  return deposits * 2 - withdrawals;
}
