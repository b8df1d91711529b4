import 'reflect-metadata';
import { Aggregate, AggregateId, AggregateRoot, Apply, DomainError, EventType, Handles, Upcast } from 'mneme';

@EventType('BankAccount.Opened')
export class AccountOpened {
  constructor(
    readonly accountId: string,
    readonly owner: string,
  ) {}
}
/** Version 2 added the currency; version-1 deposits, stored without one, were all in euros. */
@EventType('BankAccount.Deposited', { version: 2 })
export class Deposited {
  @Upcast(1) static addCurrency(v1: { accountId: string; amount: number }) {
    return { ...v1, currency: 'EUR' };
  }

  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly currency = 'EUR',
  ) {}
}
@EventType('BankAccount.Withdrawn')
export class Withdrawn {
  constructor(
    readonly accountId: string,
    readonly amount: number,
  ) {}
}

/** A transfer's movements on an account: they name the transfer, so its process manager can follow them. */
@EventType('BankAccount.TransferDebited')
export class TransferDebited {
  constructor(
    readonly accountId: string,
    readonly transferId: string,
    readonly amount: number,
  ) {}
}
@EventType('BankAccount.TransferCredited')
export class TransferCredited {
  constructor(
    readonly accountId: string,
    readonly transferId: string,
    readonly amount: number,
    /** True when it gives back a debit whose transfer failed. */
    readonly refund = false,
  ) {}
}

/** The two halves of a transfer decided across both accounts at once (atomic-transfers.ts), stored in one commit. */
@EventType('BankAccount.MoneySent')
export class MoneySent {
  constructor(
    readonly accountId: string,
    readonly transferId: string,
    readonly toId: string,
    readonly amount: number,
  ) {}
}
@EventType('BankAccount.MoneyReceived')
export class MoneyReceived {
  constructor(
    readonly accountId: string,
    readonly transferId: string,
    readonly fromId: string,
    readonly amount: number,
  ) {}
}

export class OpenAccount {
  @AggregateId() accountId: string;
  constructor(
    accountId: string,
    readonly owner: string,
  ) {
    this.accountId = accountId;
  }
}
export class Deposit {
  @AggregateId() accountId: string;
  constructor(
    accountId: string,
    readonly amount: number,
  ) {
    this.accountId = accountId;
  }
}
export class Withdraw {
  @AggregateId() accountId: string;
  constructor(
    accountId: string,
    readonly amount: number,
  ) {
    this.accountId = accountId;
  }
}

export class DebitForTransfer {
  @AggregateId() accountId: string;
  constructor(
    accountId: string,
    readonly transferId: string,
    readonly amount: number,
  ) {
    this.accountId = accountId;
  }
}
export class CreditForTransfer {
  @AggregateId() accountId: string;
  constructor(
    accountId: string,
    readonly transferId: string,
    readonly amount: number,
    readonly refund = false,
  ) {
    this.accountId = accountId;
  }
}
export class CloseAccount {
  @AggregateId() accountId: string;
  constructor(accountId: string) {
    this.accountId = accountId;
  }
}
@EventType('BankAccount.Closed')
export class AccountClosed {
  constructor(readonly accountId: string) {}
}

/** Rejections the bank account makes, with their own codes. */
export class InsufficientFunds extends DomainError {
  static override readonly code = 'BANK_INSUFFICIENT_FUNDS';
  constructor(
    readonly accountId: string,
    readonly balance: number,
    readonly requested: number,
  ) {
    super(`Insufficient funds: account ${accountId} holds ${balance}, ${requested} was requested.`);
  }
}

// A snapshot of the state every 50 events: loads replay only what follows the latest one.
@Aggregate({ category: 'BankAccount', snapshot: { every: 50, version: 1 } })
export class BankAccount extends AggregateRoot {
  opened = false;
  closed = false;
  owner = '';
  balance = 0;

  @Handles(OpenAccount)
  open(cmd: OpenAccount) {
    if (this.opened) throw new DomainError('Account already open');
    return new AccountOpened(cmd.accountId, cmd.owner);
  }

  @Handles(Deposit, { expects: 'existing' })
  deposit(cmd: Deposit) {
    if (!(cmd.amount > 0)) throw new DomainError('A deposit must be a positive amount');
    return [new Deposited(cmd.accountId, cmd.amount)];
  }

  @Handles(Withdraw, { expects: 'existing' })
  withdraw(cmd: Withdraw) {
    if (!(cmd.amount > 0)) throw new DomainError('A withdrawal must be a positive amount');
    if (cmd.amount > this.balance) throw new InsufficientFunds(cmd.accountId, this.balance, cmd.amount);
    this.raise(new Withdrawn(cmd.accountId, cmd.amount));
  }

  @Handles(DebitForTransfer, { expects: 'existing' })
  debitForTransfer(cmd: DebitForTransfer) {
    if (this.closed) throw new DomainError(`Account ${cmd.accountId} is closed`);
    if (cmd.amount > this.balance) throw new InsufficientFunds(cmd.accountId, this.balance, cmd.amount);
    return new TransferDebited(cmd.accountId, cmd.transferId, cmd.amount);
  }

  @Handles(CreditForTransfer, { expects: 'existing' })
  creditForTransfer(cmd: CreditForTransfer) {
    if (this.closed && !cmd.refund) throw new DomainError(`Account ${cmd.accountId} is closed`);
    return new TransferCredited(cmd.accountId, cmd.transferId, cmd.amount, cmd.refund);
  }

  @Handles(CloseAccount, { expects: 'existing' })
  close(cmd: CloseAccount) {
    return this.closed ? [] : new AccountClosed(cmd.accountId);
  }

  @Apply(AccountOpened) onOpened(e: AccountOpened) {
    this.opened = true;
    this.owner = e.owner;
  }
  @Apply(Deposited) onDeposited(e: Deposited) {
    this.balance += e.amount;
  }
  @Apply(Withdrawn) onWithdrawn(e: Withdrawn) {
    this.balance -= e.amount;
  }
  @Apply(TransferDebited) onTransferDebited(e: TransferDebited) {
    this.balance -= e.amount;
  }
  @Apply(TransferCredited) onTransferCredited(e: TransferCredited) {
    this.balance += e.amount;
  }
  @Apply(MoneySent) onMoneySent(e: MoneySent) {
    this.balance -= e.amount;
  }
  @Apply(MoneyReceived) onMoneyReceived(e: MoneyReceived) {
    this.balance += e.amount;
  }
  @Apply(AccountClosed) onClosed() {
    this.closed = true;
  }
}
