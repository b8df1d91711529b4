import 'reflect-metadata';
import { On, Projection, type PositionedEvent } from 'mneme';
import { AccountOpened, Deposited, Withdrawn } from './domain.js';

export interface AccountSummary {
  accountId: string;
  balance: number;
}

/** A read model: every owner's accounts and balances, built from the BankAccount streams. */
@Projection({ name: 'accounts-by-owner', from: { categories: ['BankAccount'] } })
export class AccountsByOwner {
  readonly #accounts = new Map<string, { owner: string; balance: number }>();
  /** Delivery is at least once: an event seen again (after a restart) is recognised and skipped. */
  readonly #applied = new Map<string, bigint>();

  @On(AccountOpened)
  opened(event: AccountOpened, recorded: PositionedEvent) {
    if (this.#seen(recorded)) return;
    this.#accounts.set(event.accountId, { owner: event.owner, balance: 0 });
  }

  @On(Deposited)
  deposited(event: Deposited, recorded: PositionedEvent) {
    if (this.#seen(recorded)) return;
    this.#account(event.accountId).balance += event.amount;
  }

  @On(Withdrawn)
  withdrawn(event: Withdrawn, recorded: PositionedEvent) {
    if (this.#seen(recorded)) return;
    this.#account(event.accountId).balance -= event.amount;
  }

  /** The owner's accounts, in the order they were opened. */
  accountsOf(owner: string): AccountSummary[] {
    return [...this.#accounts]
      .filter(([, account]) => account.owner === owner)
      .map(([accountId, { balance }]) => ({ accountId, balance }));
  }

  #account(accountId: string) {
    const account = this.#accounts.get(accountId);
    if (!account) throw new Error(`No AccountOpened seen for ${accountId}`);
    return account;
  }

  /** Revisions arrive in order per stream: anything at or below the last applied one was applied. */
  #seen(recorded: PositionedEvent): boolean {
    const last = this.#applied.get(recorded.streamName);
    if (last !== undefined && recorded.revision <= last) return true;
    this.#applied.set(recorded.streamName, recorded.revision);
    return false;
  }
}
