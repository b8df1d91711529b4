/**
 * The same bank account as a @nestjs/cqrs AggregateRoot. Nest has no event store: this one keeps
 * plain records in its own Map and turns each into an event instance before `loadFromHistory`
 * (Nest dispatches to `on<ClassName>` by the event's class).
 */
import { AggregateRoot } from '@nestjs/cqrs';
import { DEPOSITED, OPENED, WITHDRAWN, type AccountEventData } from '../account-events.js';

export class AccountOpened {
  constructor(
    readonly accountId: string,
    readonly owner: string,
  ) {}
}
export class Deposited {
  constructor(
    readonly accountId: string,
    readonly amount: number,
  ) {}
}
export class Withdrawn {
  constructor(
    readonly accountId: string,
    readonly amount: number,
  ) {}
}

export class NestAccount extends AggregateRoot {
  opened = false;
  balance = 0;
  onAccountOpened(_event: AccountOpened) {
    this.opened = true;
  }
  onDeposited(event: Deposited) {
    this.balance += event.amount;
  }
  onWithdrawn(event: Withdrawn) {
    this.balance -= event.amount;
  }
}

function toEvent(record: AccountEventData): object {
  const { accountId, owner, amount } = record.data;
  switch (record.type) {
    case OPENED:
      return new AccountOpened(accountId, owner!);
    case DEPOSITED:
      return new Deposited(accountId, amount!);
    case WITHDRAWN:
      return new Withdrawn(accountId, amount!);
  }
}

export class NestAccountRepository {
  readonly #streams = new Map<string, AccountEventData[]>();

  append(stream: string, records: readonly AccountEventData[]): void {
    let current = this.#streams.get(stream);
    if (!current) this.#streams.set(stream, (current = []));
    for (const record of records) current.push(record);
  }

  async load(stream: string): Promise<NestAccount> {
    const account = new NestAccount();
    account.loadFromHistory((this.#streams.get(stream) ?? []).map(toEvent));
    return account;
  }
}
