import 'reflect-metadata';
import { Decides, DomainError } from 'mneme';
import { BankAccount, InsufficientFunds, MoneyReceived, MoneySent } from './domain.js';

/** Moves money between two accounts in one decision: both accounts change together, or neither does. */
export class TransferMoney {
  constructor(
    readonly transferId: string,
    readonly fromId: string,
    readonly toId: string,
    readonly amount: number,
  ) {}
}

/**
 * The transfer decided across both accounts at once (beside the process manager in transfers.ts):
 * the bus loads both, this decides, and the debit and the credit are appended in one atomic commit,
 * each account at the revision it was read at. No compensation is ever needed, and no one ever sees
 * the money on neither account.
 */
export class AtomicTransfers {
  @Decides(TransferMoney, { aggregates: (cmd) => ({ from: [BankAccount, cmd.fromId], to: [BankAccount, cmd.toId] }) })
  transfer(cmd: TransferMoney, { from, to }: { from: BankAccount; to: BankAccount }) {
    if (!(cmd.amount > 0)) throw new DomainError('A transfer must be a positive amount');
    if (!from.opened || from.closed) throw new DomainError(`Account ${cmd.fromId} is not open`);
    if (!to.opened || to.closed) throw new DomainError(`Account ${cmd.toId} is not open`);
    if (cmd.amount > from.balance) throw new InsufficientFunds(cmd.fromId, from.balance, cmd.amount);
    return {
      from: new MoneySent(cmd.fromId, cmd.transferId, cmd.toId, cmd.amount),
      to: new MoneyReceived(cmd.toId, cmd.transferId, cmd.fromId, cmd.amount),
    };
  }
}
