import { expect } from '@jest/globals';
import type { EventStore, RecordedEvent } from 'mneme';
import { collect } from '../support/collect.js';

/** One command of a run, as data: what it is, and the id it is sent with (possibly more than once). */
export interface BankCommand {
  readonly commandId: string;
  readonly kind: 'open' | 'deposit' | 'withdraw';
  readonly account: string;
  readonly amount: number;
}

/** How each send of a command ended. */
export type Outcome =
  { accepted: true; nextExpectedRevision: bigint; events: number } | { accepted: false; code: string };

export const streamOf = (account: string) => `BankAccount-${account}`;

export function describeCommand(command: BankCommand): string {
  return command.kind === 'open'
    ? `Open(${command.account})`
    : `${command.kind === 'deposit' ? 'Deposit' : 'Withdraw'}(${command.account}, ${command.amount})`;
}

/**
 * Checks what the store holds against an independent model built from the accepted commands only:
 * balances, never negative, each accepted command's event stored exactly once, rejected commands
 * stored nothing, contiguous revisions. Folds the raw stored events itself (not through the aggregate).
 */
export async function checkAgainstModel(
  store: EventStore,
  commands: readonly BankCommand[],
  outcomes: ReadonlyMap<string, readonly Outcome[]>,
  accounts: readonly string[],
): Promise<void> {
  const byId = new Map(commands.map((command) => [command.commandId, command]));
  const accepted = commands.filter((command) => outcomes.get(command.commandId)?.some((o) => o.accepted));
  const acceptedIds = new Set(accepted.map((command) => command.commandId));
  const storedPerCommand = new Map<string, number>();
  const revisionOf = new Map<string, bigint>();

  for (const account of accounts) {
    const stored: RecordedEvent[] = await collect(store.readStream(streamOf(account)));
    expect(stored.map((e) => e.revision)).toEqual(stored.map((_, i) => BigInt(i)));
    let balance = 0;
    for (const event of stored) {
      const commandId = event.metadata.commandId as string;
      storedPerCommand.set(commandId, (storedPerCommand.get(commandId) ?? 0) + 1);
      revisionOf.set(commandId, event.revision);
      const command = byId.get(commandId);
      expect({ commandId, known: command !== undefined, accepted: acceptedIds.has(commandId) }).toEqual({
        commandId,
        known: true,
        accepted: true,
      });
      expect(command!.account).toBe(account);
      const data = event.data as { amount?: number };
      if (event.type === 'BankAccount.Deposited') balance += data.amount!;
      if (event.type === 'BankAccount.Withdrawn') balance -= data.amount!;
      expect({ at: `${event.streamName}@${event.revision}`, balance, negative: balance < 0 }).toMatchObject({
        negative: false,
      });
    }
    const modelBalance = accepted
      .filter((c) => c.account === account)
      .reduce((sum, c) => sum + (c.kind === 'deposit' ? c.amount : c.kind === 'withdraw' ? -c.amount : 0), 0);
    expect({ account, balance }).toEqual({ account, balance: modelBalance });
    const opens = accepted.filter((c) => c.account === account && c.kind === 'open').length;
    expect({ account, opens }).toEqual({ account, opens: Math.min(stored.length, 1) });
  }
  for (const command of commands) {
    const count = storedPerCommand.get(command.commandId) ?? 0;
    expect({ command: command.commandId, stored: count }).toEqual({
      command: command.commandId,
      stored: acceptedIds.has(command.commandId) ? 1 : 0,
    });
    // Every send that was accepted (the first, or a re-send) reports the one stored event and its revision.
    for (const outcome of outcomes.get(command.commandId) ?? []) {
      if (!outcome.accepted) continue;
      const reported = { command: command.commandId, events: outcome.events, revision: outcome.nextExpectedRevision };
      expect(reported).toEqual({ command: command.commandId, events: 1, revision: revisionOf.get(command.commandId) });
    }
  }
}
