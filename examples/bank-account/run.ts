import 'reflect-metadata';
import { Container } from 'inversify';
import {
  AggregateRepository,
  CommandBus,
  DomainError,
  EventStore,
  InMemoryCheckpointStore,
  InMemoryEventStore,
  MultiStreamAppendUnsupportedError,
  ProjectionRunner,
  SnapshotStore,
  deserializeEvent,
  mnemeModule,
  snapshotStreamName,
  type MnemeModuleOptions,
} from 'mneme';
import { AccountsByOwner } from './accounts-by-owner.js';
import { BankAccount, CloseAccount, Deposit, Deposited, OpenAccount, Withdraw } from './domain.js';
import { AtomicTransfers, TransferMoney } from './atomic-transfers.js';
import { APPROVAL_TIMEOUT_MS, MoneyTransfers, RequestTransfer, Transfer } from './transfers.js';

/**
 * The bank-account walk-through: open, deposit, withdraw, a rejected overdraft, and a burst of
 * concurrent withdrawals from two containers (two processes, in effect) resolved by the retry
 * interceptor. Returns the lines it prints.
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
  // Two containers on one store stand for two processes: their commands really race.
  const eventStore = storeOptions.eventStore ?? new InMemoryEventStore();
  // The process managers' clock: the example moves it on rather than waiting for a timeout.
  let clockSkewMs = 0;
  const clock = { now: () => Date.now() + clockSkewMs };
  const container = new Container();
  container.load(
    mnemeModule({
      aggregates: [BankAccount, Transfer],
      retry: { maxRetries: 50 },
      eventStore,
      projections: [AccountsByOwner],
      processManagers: [MoneyTransfers],
      clock,
      // This read model lives in memory and is rebuilt at every launch, so its checkpoint does too.
      checkpointStore: new InMemoryCheckpointStore(),
    }),
  );
  const projections = container.get(ProjectionRunner);
  await projections.start();
  const otherProcess = new Container();
  otherProcess.load(mnemeModule({ aggregates: [BankAccount], retry: { maxRetries: 50 }, eventStore }));
  const bus = container.get(CommandBus);
  const otherBus = otherProcess.get(CommandBus);
  const repository = container.get(AggregateRepository);
  const accountId = `acc-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  const opened = await bus.execute(new OpenAccount(accountId, 'Ada'));
  say(`Opened ${opened.streamName} for Ada (revision ${opened.nextExpectedRevision})`);
  const deposited = await bus.execute(new Deposit(accountId, 100));
  say(`Deposited 100 (revision ${deposited.nextExpectedRevision})`);
  await bus.execute(new Withdraw(accountId, 30));
  say(`Withdrew 30, balance ${(await repository.load(BankAccount, accountId)).balance}`);

  try {
    await bus.execute(new Withdraw(accountId, 1000));
  } catch (error) {
    if (!DomainError.is(error)) throw error;
    say(`Rejected a withdrawal of 1000: ${error.message} [${error.code}]`);
  }

  const burst = await Promise.all(
    Array.from({ length: 7 }, (_, i) => (i % 2 ? otherBus : bus).execute(new Withdraw(accountId, 10))),
  );
  const retries = burst.reduce((sum, result) => sum + result.attempts - 1, 0);
  say(`7 concurrent withdrawals of 10 from two processes all succeeded (${retries} retries after lost races)`);

  // Schema evolution: a deposit stored before currencies existed (schema version 1) reads as version 2.
  const store = container.get(EventStore);
  const legacyId = `${accountId}-legacy`;
  await store.appendToStream(`BankAccount-${legacyId}`, [
    { type: 'BankAccount.Opened', data: { accountId: legacyId, owner: 'Grace' } },
    { type: 'BankAccount.Deposited', data: { accountId: legacyId, amount: 5 } },
  ]);
  for await (const recorded of store.readStream(`BankAccount-${legacyId}`, { fromRevision: 1n })) {
    const deposit = deserializeEvent(recorded) as Deposited;
    say(`A version-1 Deposited stored without a currency reads as ${deposit.amount} ${deposit.currency}`);
  }

  // Snapshots: a long-lived account loads from its latest snapshot plus the events after it.
  const saverId = `${accountId}-saver`;
  await bus.execute(new OpenAccount(saverId, 'Grace'));
  for (let i = 0; i < 60; i++) await bus.execute(new Deposit(saverId, 1));
  const saver = await repository.load(BankAccount, saverId);
  const snapshot = await new SnapshotStore(store).readLatest(snapshotStreamName('BankAccount', saverId));
  say(
    `61 events, a snapshot every 50: loading ${saver.owner}'s account (balance ${saver.balance}) replayed ` +
      `${saver.revision - (snapshot?.revision ?? -1n)} event(s) after the snapshot at revision ${snapshot?.revision}`,
  );

  const account = await repository.load(BankAccount, accountId);
  say(`Final balance of ${account.owner}'s account: ${account.balance} at revision ${account.revision}`);

  // The read model: Ada opens a savings account too; the projection sees every account's events.
  const savingsId = `${accountId}s`;
  await bus.execute(new OpenAccount(savingsId, 'Ada'));
  await bus.execute(new Deposit(savingsId, 250));
  await projections.catchUp();
  const ours = new Set([accountId, savingsId]); // a shared server also holds other runs' accounts
  const adas = container
    .get(AccountsByOwner)
    .accountsOf('Ada')
    .filter((summary) => ours.has(summary.accountId));
  say(`Accounts by owner (read model): Ada -> ${adas.map((a) => `${a.accountId}: ${a.balance}`).join(', ')}`);

  // A transfer decided across both accounts at once (atomic-transfers.ts): one commit, both or neither.
  await runAtomicTransfers(eventStore, `${accountId}-`, say);

  // Money transfers between two accounts, run by a process manager (transfers.ts): debit, credit,
  // compensate a refused credit, time out a transfer that waits for an approval.
  const [alan, bob, closed] = [`${accountId}-alan`, `${accountId}-bob`, `${accountId}-closed`];
  await bus.execute(new OpenAccount(alan, 'Alan'));
  await bus.execute(new Deposit(alan, 100));
  await bus.execute(new OpenAccount(bob, 'Bob'));
  await bus.execute(new OpenAccount(closed, 'Carol'));
  await bus.execute(new CloseAccount(closed));
  const transfers = [
    { id: `${accountId}-t1`, to: bob, amount: 40, label: 'Transfer of 40 from Alan to Bob' },
    { id: `${accountId}-t2`, to: closed, amount: 25, label: "Transfer of 25 from Alan to Carol's closed account" },
    { id: `${accountId}-t3`, to: bob, amount: 5000, label: 'Transfer of 5000 from Alan to Bob (needs an approval)' },
  ];
  for (const transfer of transfers)
    await bus.execute(new RequestTransfer(transfer.id, alan, transfer.to, transfer.amount));
  await projections.catchUp();
  clockSkewMs += APPROVAL_TIMEOUT_MS; // 15 minutes pass without an approval
  await projections.catchUp();
  for (const transfer of transfers) {
    const finished = await repository.load(Transfer, transfer.id);
    say(`${transfer.label}: ${finished.outcome}${finished.reason ? ` (${finished.reason})` : ''}`);
  }
  const balances = await Promise.all([alan, bob].map((id) => repository.load(BankAccount, id)));
  say(`After the transfers: ${balances.map((account) => `${account.owner} ${account.balance}`).join(', ')}`);
  // Unbinding deactivates the bindings: a KurrentEventStore the module created closes its client.
  await projections.stop();
  await Promise.all([container.unbindAllAsync(), otherProcess.unbindAllAsync()]);
  return { balance: account.balance, lines };
}

/** The transfer as one decision over both accounts, in a container of its own (a store without multi-stream appends can't run it). */
async function runAtomicTransfers(
  eventStore: NonNullable<MnemeModuleOptions['eventStore']>,
  prefix: string,
  say: (line: string) => void,
): Promise<void> {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], deciders: [AtomicTransfers], eventStore }));
  try {
    await atomicTransfers(container, prefix, say);
  } catch (error) {
    // A store without appendToStreams (or a server before KurrentDB 25.1): nothing was written.
    if (!MultiStreamAppendUnsupportedError.is(error)) throw error;
    say(`Atomic transfers skipped: ${error.message}`);
  } finally {
    await container.unbindAllAsync();
  }
}

async function atomicTransfers(container: Container, prefix: string, say: (line: string) => void): Promise<void> {
  const bus = container.get(CommandBus);
  const [dora, eve] = [`${prefix}dora`, `${prefix}eve`];
  await bus.execute(new OpenAccount(dora, 'Dora'));
  await bus.execute(new Deposit(dora, 100));
  await bus.execute(new OpenAccount(eve, 'Eve'));
  const done = await bus.execute(new TransferMoney(`${prefix}a1`, dora, eve, 30));
  const repository = container.get(AggregateRepository);
  const balances = async () =>
    (await Promise.all([dora, eve].map((id) => repository.load(BankAccount, id))))
      .map((a) => `${a.owner} ${a.balance}`)
      .join(', ');
  say(`Atomic transfer of 30 from Dora to Eve: ${done.events.length} events in one commit, ${await balances()}`);
  try {
    await bus.execute(new TransferMoney(`${prefix}a2`, dora, eve, 500));
  } catch (error) {
    if (!DomainError.is(error)) throw error;
    say(`Atomic transfer of 500 from Dora to Eve refused (${error.code}): ${await balances()}`);
  }
}
