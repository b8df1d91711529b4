import 'reflect-metadata';
import {
  Aggregate,
  AggregateId,
  AggregateRoot,
  Apply,
  CommandRejected,
  EventType,
  Handles,
  On,
  ProcessManager,
  ProcessManagerRoot,
  type ProcessEnvelope,
} from 'mneme';
import { CreditForTransfer, DebitForTransfer, TransferCredited, TransferDebited } from './domain.js';

/** Transfers above this need an approval, which must come within APPROVAL_TIMEOUT_MS. */
export const APPROVAL_LIMIT = 1000;
export const APPROVAL_TIMEOUT_MS = 15 * 60 * 1000;

@EventType('Transfer.Requested')
export class TransferRequested {
  constructor(
    readonly transferId: string,
    readonly from: string,
    readonly to: string,
    readonly amount: number,
  ) {}
}
@EventType('Transfer.Approved')
export class TransferApproved {
  constructor(readonly transferId: string) {}
}
@EventType('Transfer.Finished')
export class TransferFinished {
  constructor(
    readonly transferId: string,
    /** 'completed' | 'compensated' | 'rejected' | 'timed out' */
    readonly outcome: string,
    readonly reason = '',
  ) {}
}
/** Scheduled by the process manager for itself: never stored in a Transfer stream. */
@EventType('Transfer.ApprovalTimedOut')
export class ApprovalTimedOut {
  constructor(readonly transferId: string) {}
}

export class RequestTransfer {
  @AggregateId() transferId: string;
  constructor(
    transferId: string,
    readonly from: string,
    readonly to: string,
    readonly amount: number,
  ) {
    this.transferId = transferId;
  }
}
export class ApproveTransfer {
  @AggregateId() transferId: string;
  constructor(transferId: string) {
    this.transferId = transferId;
  }
}
export class FinishTransfer {
  @AggregateId() transferId: string;
  constructor(
    transferId: string,
    readonly outcome: string,
    readonly reason = '',
  ) {
    this.transferId = transferId;
  }
}

/** The transfer as the bank records it: requested, maybe approved, finished with an outcome. */
@Aggregate({ category: 'Transfer' })
export class Transfer extends AggregateRoot {
  outcome = '';
  reason = '';

  @Handles(RequestTransfer, { expects: 'new' })
  request(cmd: RequestTransfer) {
    return new TransferRequested(cmd.transferId, cmd.from, cmd.to, cmd.amount);
  }

  @Handles(ApproveTransfer, { expects: 'existing' })
  approve(cmd: ApproveTransfer) {
    return this.outcome ? [] : new TransferApproved(cmd.transferId);
  }

  @Handles(FinishTransfer, { expects: 'existing' })
  finish(cmd: FinishTransfer) {
    return this.outcome ? [] : new TransferFinished(cmd.transferId, cmd.outcome, cmd.reason);
  }

  @Apply(TransferFinished) onFinished(e: TransferFinished) {
    this.outcome = e.outcome;
    this.reason = e.reason;
  }
}

/**
 * The money transfer, across two accounts: debit the payer, credit the payee, finish. A rejected
 * debit finishes it as rejected; a rejected credit gives the money back to the payer
 * (compensated). A transfer above APPROVAL_LIMIT waits for an approval, and times out without one.
 * Its state is its plain fields, kept in its own stream (`MoneyTransfer-<transferId>`).
 */
@ProcessManager({ name: 'MoneyTransfer', from: { categories: ['Transfer', 'BankAccount'] } })
export class MoneyTransfers extends ProcessManagerRoot {
  stage: 'awaiting approval' | 'debiting' | 'crediting' | 'refunding' | 'finished' = 'debiting';
  from = '';
  to = '';
  amount = 0;
  reason = '';

  @On(TransferRequested, { processId: (event: TransferRequested) => event.transferId })
  requested(event: TransferRequested) {
    Object.assign(this, { from: event.from, to: event.to, amount: event.amount });
    if (event.amount > APPROVAL_LIMIT) {
      this.stage = 'awaiting approval';
      this.schedule(new ApprovalTimedOut(event.transferId), { afterMs: APPROVAL_TIMEOUT_MS });
      return;
    }
    this.send(new DebitForTransfer(event.from, event.transferId, event.amount));
  }

  @On(TransferApproved, { processId: (event: TransferApproved) => event.transferId })
  approved(event: TransferApproved) {
    if (this.stage !== 'awaiting approval') return;
    this.stage = 'debiting';
    this.send(new DebitForTransfer(this.from, event.transferId, this.amount));
  }

  @On(TransferDebited, { processId: (event: TransferDebited) => event.transferId })
  debited(event: TransferDebited) {
    this.stage = 'crediting';
    this.send(new CreditForTransfer(this.to, event.transferId, event.amount));
  }

  @On(TransferCredited, { processId: (event: TransferCredited) => event.transferId })
  credited(event: TransferCredited) {
    this.send(
      event.refund
        ? new FinishTransfer(event.transferId, 'compensated', this.reason)
        : new FinishTransfer(event.transferId, 'completed'),
    );
    this.stage = 'finished';
    this.complete();
  }

  /** A command this process sent was refused by its account. */
  @On(CommandRejected)
  rejected(event: CommandRejected, envelope: ProcessEnvelope) {
    if (this.stage === 'debiting') {
      this.send(new FinishTransfer(envelope.processId, 'rejected', event.message));
      this.complete();
    } else if (this.stage === 'crediting') {
      this.stage = 'refunding';
      this.reason = event.message;
      this.send(new CreditForTransfer(this.from, envelope.processId, this.amount, true));
    }
  }

  @On(ApprovalTimedOut)
  timedOut(event: ApprovalTimedOut) {
    if (this.stage !== 'awaiting approval') return;
    this.send(
      new FinishTransfer(event.transferId, 'timed out', `no approval within ${APPROVAL_TIMEOUT_MS / 60000} minutes`),
    );
    this.complete();
  }
}
