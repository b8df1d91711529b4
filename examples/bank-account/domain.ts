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
}
