import 'reflect-metadata';
import { Container } from 'inversify';
import { AggregateRepository, CommandBus, DomainError, mnemeModule, type MnemeModuleOptions } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from './domain.js';

/**
 * The bank-account walk-through: open, deposit, withdraw, a rejected overdraft, and a burst of
 * concurrent withdrawals resolved by the retry interceptor. Returns the lines it prints.
 */
export async function runBankAccountExample(
  storeOptions: Pick<MnemeModuleOptions, 'eventStore'> = {},
  print: (line: string) => void = console.log,
): Promise<{ balance: number; lines: string[] }> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    print(line);
  };
  const container = new Container();
  await container.load(mnemeModule({ aggregates: [BankAccount], retry: { maxRetries: 50 }, ...storeOptions }));
  const bus = container.get(CommandBus);
  const repository = container.get(AggregateRepository);
  const accountId = `acc-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  const opened = await bus.execute(new OpenAccount(accountId, 'Ada'));
  say(`Opened ${opened.streamName} for Ada (revision ${opened.nextExpectedVersion})`);
  const deposited = await bus.execute(new Deposit(accountId, 100));
  say(`Deposited 100 (revision ${deposited.nextExpectedVersion})`);
  await bus.execute(new Withdraw(accountId, 30));
  say(`Withdrew 30, balance ${(await repository.load(BankAccount, accountId)).balance}`);

  try {
    await bus.execute(new Withdraw(accountId, 1000));
  } catch (error) {
    if (!DomainError.is(error)) throw error;
    say(`Rejected a withdrawal of 1000: ${error.message} [${error.code}]`);
  }

  const burst = await Promise.all(Array.from({ length: 7 }, () => bus.execute(new Withdraw(accountId, 10))));
  const retried = burst.filter((result) => result.attempts > 1).length;
  say(`7 concurrent withdrawals of 10 all succeeded (${retried} needed a retry after losing a race)`);

  const account = await repository.load(BankAccount, accountId);
  say(`Final balance of ${account.owner}'s account: ${account.balance} at version ${account.version}`);
  await container.unbindAllAsync(); // deactivates the bindings: a KurrentEventStore closes its client
  return { balance: account.balance, lines };
}
