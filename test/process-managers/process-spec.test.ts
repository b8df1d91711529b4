import { describe, expect, it } from '@jest/globals';
import { CommandRejected, EventType } from 'mneme';
import { processSpec, ProcessSpecFailedError } from 'mneme/testing';
import {
  CloseTransfer,
  Credit,
  Credited,
  Debit,
  Debited,
  RemindApprover,
  TIMEOUT_MS,
  TransferApproved,
  TransferRequested,
  Transfers,
  TransferTimedOut,
} from './transfer-fixtures.js';

@EventType('PmTest.Unhandled')
class RemindApproverEvent {}

describe('processSpec', () => {
  it('passes when the event sends exactly the expected commands', async () => {
    await processSpec(Transfers)
      .when(new TransferRequested('t1', 'a', 'b', 30))
      .thenSends(new Debit('a', 't1', 30));
    await processSpec(Transfers)
      .given(new TransferRequested('t1', 'a', 'b', 30))
      .when(new Debited('a', 't1', 30))
      .thenSends(new Credit('b', 't1', 30));
  });

  it('rebuilds the state from the given events, as the engine does', async () => {
    await processSpec(Transfers)
      .given(new TransferRequested('t1', 'a', 'b', 30, true), new TransferApproved('t1'), new Debited('a', 't1', 30))
      .when(new Credited('b', 't1', 30))
      .thenSends(new CloseTransfer('t1', 'completed'));
    await processSpec(Transfers)
      .given(new TransferRequested('t1', 'a', 'b', 30), new Debited('a', 't1', 30))
      .when(new Credited('b', 't1', 30))
      .thenCompletes();
  });

  it('delivers an instance its own events: a rejection, a scheduled event', async () => {
    await processSpec(Transfers)
      .given(new TransferRequested('t1', 'a', 'b', 30), new Debited('a', 't1', 30))
      .when(new CommandRejected('Credit', 'c-1', 'MNEME_AGGREGATE_NOT_FOUND', 'no wallet b', {}), { processId: 't1' })
      .thenSends(new Credit('a', 't1', 30));
    await processSpec(Transfers)
      .given(new TransferRequested('t1', 'a', 'b', 30, true))
      .when(new TransferTimedOut('t1'), { processId: 't1' })
      .thenSends(new CloseTransfer('t1', 'timed out'));
  });

  it('checks what was scheduled, and when', async () => {
    const when = processSpec(Transfers).when(new TransferRequested('t1', 'a', 'b', 30, true));
    await when.thenSchedules(new RemindApprover('t1'), new TransferTimedOut('t1'));
    await when.thenSchedules(
      { message: new RemindApprover('t1'), afterMs: TIMEOUT_MS / 2 },
      { message: new TransferTimedOut('t1'), afterMs: TIMEOUT_MS },
    );
    await when.thenSends();
    await expect(when.thenSchedules({ message: new RemindApprover('t1'), afterMs: TIMEOUT_MS })).rejects.toThrow(
      /due 30000 ms after the event, expected 60000 ms/,
    );
  });

  it('fails with a readable diff when the commands differ', async () => {
    const failure = await processSpec(Transfers)
      .when(new TransferRequested('t1', 'a', 'b', 30))
      .thenSends(new Debit('a', 't1', 40))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProcessSpecFailedError);
    expect((failure as Error).message).toContain('- amount: 40');
    expect((failure as Error).message).toContain('+ amount: 30');
    await expect(
      processSpec(Transfers)
        .when(new TransferRequested('t1', 'a', 'b', 30))
        .thenSends(),
    ).rejects.toThrow(/#0 unexpected: Debit/);
    await expect(
      processSpec(Transfers)
        .when(new TransferRequested('t1', 'a', 'b', 30))
        .thenCompletes(),
    ).rejects.toThrow(ProcessSpecFailedError);
    await expect(
      processSpec(Transfers)
        .when(new TransferRequested('t1', 'a', 'b', 30))
        .thenSchedules(new TransferTimedOut('t1')),
    ).rejects.toThrow(/#0 unexpected|scheduled messages differ/);
  });

  it('says how to deliver an event that reaches an instance only as its own, or that nothing handles', async () => {
    await expect(processSpec(Transfers).when(new TransferTimedOut('t1')).thenSends()).rejects.toThrow(
      /when\(event, \{ processId \}\)/,
    );
    await expect(processSpec(Transfers).when(new RemindApproverEvent()).thenSends()).rejects.toThrow(
      /no @On method of Transfers handles RemindApproverEvent/,
    );
  });

  it('reports a handler that throws, with the error as the cause', async () => {
    class Boom extends Transfers {
      override requested(): void {
        throw new Error('boom');
      }
    }
    const failure = (await processSpec(Boom)
      .when(new TransferRequested('t1', 'a', 'b', 30))
      .thenSends()
      .catch((error: unknown) => error)) as ProcessSpecFailedError;
    expect(failure).toBeInstanceOf(ProcessSpecFailedError);
    expect((failure.cause as Error).message).toBe('boom');
  });
});
