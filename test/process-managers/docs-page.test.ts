import { describe, it } from '@jest/globals';
import { processSpec } from 'mneme/testing';
import { CreditForTransfer, DebitForTransfer, TransferDebited } from '../../examples/bank-account/domain.js';
import {
  APPROVAL_TIMEOUT_MS,
  ApprovalTimedOut,
  FinishTransfer,
  MoneyTransfers,
  TransferRequested,
} from '../../examples/bank-account/transfers.js';

describe('docs/process-managers.md', () => {
  // Its TypeScript blocks are type-checked with every other page's by test/docs.test.ts.
  it("holds: the page's processSpec examples pass on the bank-account example", async () => {
    await processSpec(MoneyTransfers)
      .when(new TransferRequested('t-1', 'alice', 'bob', 30))
      .thenSends(new DebitForTransfer('alice', 't-1', 30));
    await processSpec(MoneyTransfers)
      .given(new TransferRequested('t-1', 'alice', 'bob', 30))
      .when(new TransferDebited('alice', 't-1', 30))
      .thenSends(new CreditForTransfer('bob', 't-1', 30));
    await processSpec(MoneyTransfers)
      .when(new TransferRequested('t-2', 'alice', 'bob', 5000))
      .thenSchedules({ message: new ApprovalTimedOut('t-2'), afterMs: APPROVAL_TIMEOUT_MS });
    await processSpec(MoneyTransfers)
      .given(new TransferRequested('t-2', 'alice', 'bob', 5000))
      .when(new ApprovalTimedOut('t-2'), { processId: 't-2' })
      .thenSends(new FinishTransfer('t-2', 'timed out', 'no approval within 15 minutes'));
  });
});
