import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, describe } from '@jest/globals';
import { Container } from 'inversify';
import {
  CommandBus,
  mnemeModule,
  ProjectionRunner,
  type MnemeModuleOptions,
  Aggregate,
  AggregateId,
  AggregateRoot,
  Apply,
  CommandRejected,
  DomainError,
  EventStore,
  EventType,
  Handles,
  InMemoryEventStore,
  On,
  ProcessManager,
  ProcessManagerRoot,
  type ProcessEnvelope,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { useKurrentTarget } from '../support/kurrent-target.js';

// A wallet: debits and credits name the transfer they belong to.
@EventType('PmTest.WalletOpened')
export class WalletOpened {
  constructor(
    readonly walletId: string,
    readonly balance: number,
  ) {}
}
@EventType('PmTest.Debited')
export class Debited {
  constructor(
    readonly walletId: string,
    readonly transferId: string,
    readonly amount: number,
  ) {}
}
@EventType('PmTest.Credited')
export class Credited {
  constructor(
    readonly walletId: string,
    readonly transferId: string,
    readonly amount: number,
  ) {}
}
@EventType('PmTest.TransferRequested')
export class TransferRequested {
  constructor(
    readonly transferId: string,
    readonly from: string,
    readonly to: string,
    readonly amount: number,
    readonly needsApproval = false,
  ) {}
}
@EventType('PmTest.TransferApproved')
export class TransferApproved {
  constructor(readonly transferId: string) {}
}
@EventType('PmTest.ApproverReminded')
export class ApproverReminded {
  constructor(readonly transferId: string) {}
}
/** Scheduled by the process manager itself: never stored in a wallet's stream. */
@EventType('PmTest.TransferTimedOut')
export class TransferTimedOut {
  constructor(readonly transferId: string) {}
}
@EventType('PmTest.TransferClosed')
export class TransferClosed {
  constructor(
    readonly transferId: string,
    readonly outcome: string,
  ) {}
}

export class OpenWallet {
  @AggregateId() readonly walletId: string;
  constructor(
    walletId: string,
    readonly balance: number,
  ) {
    this.walletId = walletId;
  }
}
export class Debit {
  @AggregateId() readonly walletId: string;
  constructor(
    walletId: string,
    readonly transferId: string,
    readonly amount: number,
  ) {
    this.walletId = walletId;
  }
}
export class Credit {
  @AggregateId() readonly walletId: string;
  constructor(
    walletId: string,
    readonly transferId: string,
    readonly amount: number,
  ) {
    this.walletId = walletId;
  }
}
export class RequestTransfer {
  @AggregateId() readonly transferId: string;
  constructor(
    transferId: string,
    readonly from: string,
    readonly to: string,
    readonly amount: number,
    readonly needsApproval = false,
  ) {
    this.transferId = transferId;
  }
}
export class ApproveTransfer {
  @AggregateId() readonly transferId: string;
  constructor(transferId: string) {
    this.transferId = transferId;
  }
}
export class RemindApprover {
  @AggregateId() readonly transferId: string;
  constructor(transferId: string) {
    this.transferId = transferId;
  }
}
export class CloseTransfer {
  @AggregateId() readonly transferId: string;
  constructor(
    transferId: string,
    readonly outcome: string,
  ) {
    this.transferId = transferId;
  }
}

@Aggregate({ category: 'PmWallet' })
export class Wallet extends AggregateRoot {
  balance = 0;

  @Handles(OpenWallet, { expects: 'new' }) open(cmd: OpenWallet) {
    return new WalletOpened(cmd.walletId, cmd.balance);
  }
  @Handles(Debit, { expects: 'existing' }) debit(cmd: Debit) {
    if (cmd.amount > this.balance)
      throw new DomainError(`wallet ${cmd.walletId} holds ${this.balance}, ${cmd.amount} was asked`);
    return new Debited(cmd.walletId, cmd.transferId, cmd.amount);
  }
  @Handles(Credit, { expects: 'existing' }) credit(cmd: Credit) {
    return new Credited(cmd.walletId, cmd.transferId, cmd.amount);
  }
  @Apply(WalletOpened) onOpened(e: WalletOpened) {
    this.balance = e.balance;
  }
  @Apply(Debited) onDebited(e: Debited) {
    this.balance -= e.amount;
  }
  @Apply(Credited) onCredited(e: Credited) {
    this.balance += e.amount;
  }
}

@Aggregate({ category: 'PmTransfer' })
export class TransferRequest extends AggregateRoot {
  @Handles(RequestTransfer, { expects: 'new' }) request(cmd: RequestTransfer) {
    return new TransferRequested(cmd.transferId, cmd.from, cmd.to, cmd.amount, cmd.needsApproval);
  }
  @Handles(ApproveTransfer, { expects: 'existing' }) approve(cmd: ApproveTransfer) {
    return new TransferApproved(cmd.transferId);
  }
  @Handles(RemindApprover, { expects: 'existing' }) remind(cmd: RemindApprover) {
    return new ApproverReminded(cmd.transferId);
  }
  @Handles(CloseTransfer, { expects: 'existing' }) close(cmd: CloseTransfer) {
    return new TransferClosed(cmd.transferId, cmd.outcome);
  }
}

export const TIMEOUT_MS = 60_000;

/** Idempotency keys the handlers were given, by handler call (for the external-effect tests). */
export const effectKeys: string[] = [];

/**
 * Debit `from`, then credit `to`, then close the request; a rejected debit closes it as 'rejected',
 * a rejected credit refunds `from` ('compensated'). A transfer that needs approval waits for it:
 * the approver is reminded (a scheduled command) after TIMEOUT_MS / 2, and without approval
 * within TIMEOUT_MS (a scheduled event) the transfer is closed as 'timed out'.
 */
@ProcessManager({ name: 'PmTransfers', from: { categories: ['PmTransfer', 'PmWallet'] } })
export class Transfers extends ProcessManagerRoot {
  status: 'none' | 'awaiting approval' | 'debiting' | 'crediting' | 'refunding' | 'done' = 'none';
  from = '';
  to = '';
  amount = 0;

  @On(TransferRequested, { processId: (event: TransferRequested) => event.transferId })
  requested(event: TransferRequested, envelope: ProcessEnvelope) {
    effectKeys.push(envelope.idempotencyKey('notify'));
    Object.assign(this, { from: event.from, to: event.to, amount: event.amount });
    if (event.needsApproval) {
      this.status = 'awaiting approval';
      this.schedule(new RemindApprover(event.transferId), { afterMs: TIMEOUT_MS / 2 });
      this.schedule(new TransferTimedOut(event.transferId), { afterMs: TIMEOUT_MS });
      return;
    }
    this.status = 'debiting';
    this.send(new Debit(event.from, event.transferId, event.amount));
  }

  @On(TransferApproved, { processId: (event: TransferApproved) => event.transferId })
  approved(event: TransferApproved) {
    if (this.status !== 'awaiting approval') return;
    this.status = 'debiting';
    this.send(new Debit(this.from, event.transferId, this.amount));
  }

  @On(Debited, { processId: (event: Debited) => event.transferId })
  debited(event: Debited) {
    if (this.status !== 'debiting') return;
    this.status = 'crediting';
    this.send(new Credit(this.to, event.transferId, event.amount));
  }

  @On(Credited, { processId: (event: Credited) => event.transferId })
  credited(event: Credited) {
    const outcome = this.status === 'refunding' ? 'compensated' : 'completed';
    this.status = 'done';
    this.send(new CloseTransfer(event.transferId, outcome));
    this.complete();
  }

  @On(CommandRejected)
  rejected(event: CommandRejected, envelope: ProcessEnvelope) {
    if (event.commandType === Debit.name) {
      this.send(new CloseTransfer(envelope.processId, 'rejected'));
      this.complete();
    } else if (event.commandType === Credit.name) {
      this.status = 'refunding';
      this.send(new Credit(this.from, envelope.processId, this.amount));
    }
  }

  @On(TransferTimedOut)
  timedOut(event: TransferTimedOut) {
    if (this.status !== 'awaiting approval') return;
    this.send(new CloseTransfer(event.transferId, 'timed out'));
    this.complete();
  }
}

export const aggregates = [Wallet, TransferRequest];
export const unique = (label: string) => `${label}${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** The events of one stream. */
export async function eventsOf(store: EventStore, streamName: string) {
  const events = [];
  for await (const recorded of store.readStream(streamName)) events.push(recorded);
  return events;
}

/** Runs `body` against the in-memory store and against KurrentDB (the emulator, or a real server). */
export function describeOnEveryStore(
  name: string,
  body: (openStore: () => EventStore, kind: 'memory' | 'kurrent') => void,
): void {
  describe(`${name} (InMemoryEventStore)`, () => body(() => new InMemoryEventStore(), 'memory'));
  describe(`${name} (KurrentDB)`, () => {
    const stores: KurrentEventStore[] = [];
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });
    const kurrent = useKurrentTarget();
    body(() => {
      const store = new KurrentEventStore(kurrent.target.connectionString);
      stores.push(store);
      return store;
    }, 'kurrent');
  });
}

export interface App {
  readonly bus: CommandBus;
  readonly runner: ProjectionRunner;
  readonly container: Container;
  close(): Promise<void>;
}

/** One application instance: a container on `store` running the Transfers process manager (`projectionRunner` options add to the defaults). */
export async function startApp(store: EventStore, options: Partial<MnemeModuleOptions> = {}): Promise<App> {
  const { projectionRunner, ...rest } = options;
  const container = new Container();
  container.load(
    mnemeModule({
      aggregates,
      eventStore: store,
      processManagers: [Transfers],
      projectionRunner: {
        handlerRetry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
        resubscribe: { initialDelayMs: 5, maxDelayMs: 20 },
        ...projectionRunner,
      },
      timerPollMs: 3_600_000, // timers fire in catchUp() unless a test wants the poll
      ...rest,
    }),
  );
  const runner = container.get(ProjectionRunner);
  await runner.start();
  return {
    bus: container.get(CommandBus),
    runner,
    container,
    close: async () => {
      await runner.stop();
      await container.unbindAllAsync();
    },
  };
}

/** What happened to one transfer, read from the store. */
export async function transferOutcome(store: EventStore, transferId: string, from: string, to: string) {
  const request = await eventsOf(store, `PmTransfer-${transferId}`);
  const fromEvents = await eventsOf(store, `PmWallet-${from}`);
  const toEvents = await eventsOf(store, `PmWallet-${to}`);
  const process = await eventsOf(store, `PmTransfers-${transferId}`);
  const ofTransfer = (events: typeof request, type: string) =>
    events.filter((e) => e.type === type && (e.data as { transferId?: string }).transferId === transferId);
  return {
    closed: request
      .filter((e) => e.type === 'PmTest.TransferClosed')
      .map((e) => (e.data as { outcome: string }).outcome),
    reminded: request.filter((e) => e.type === 'PmTest.ApproverReminded').length,
    debits: ofTransfer(fromEvents, 'PmTest.Debited').length,
    credits: {
      from: ofTransfer(fromEvents, 'PmTest.Credited').length,
      to: ofTransfer(toEvents, 'PmTest.Credited').length,
    },
    processTypes: process.map((e) => e.type),
  };
}
