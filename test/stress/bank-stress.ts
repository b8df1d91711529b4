import 'reflect-metadata';
import { Container } from 'inversify';
import { CommandBus, MnemeError, mnemeModule, type EventStore, type RetryNotice } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../../examples/bank-account/domain.js';
import { pick, seededRandom } from '../support/prng.js';
import { describeCommand, type BankCommand, type Outcome } from './bank-model.js';

export interface StressOptions {
  readonly store: EventStore;
  readonly seed: number;
  readonly commands: number;
  readonly accounts: number;
  readonly clients?: number;
  readonly containers?: number;
  /** Share of commands sent a second time, with the same command id. */
  readonly resendRate?: number;
  /** Called before each send with the run's PRNG (to inject faults). */
  readonly beforeSend?: (random: () => number) => void;
}

export interface StressReport {
  readonly commands: readonly BankCommand[];
  readonly outcomes: ReadonlyMap<string, readonly Outcome[]>;
  readonly accounts: readonly string[];
  readonly counts: {
    sends: number;
    accepted: number;
    rejected: number;
    resent: number;
    conflictsRetried: number;
    transientRetried: number;
    maxAttempts: number;
  };
  /** Sends that ended in an error that is not a domain rejection (must be none). */
  readonly unexpected: readonly string[];
}

/** Rejections the bank account makes on a valid but refused command. */
const REJECTIONS = new Set(['MNEME_AGGREGATE_NOT_FOUND', 'MNEME_DOMAIN_REJECTED', 'BANK_INSUFFICIENT_FUNDS']);

/** Random Open/Deposit/Withdraw commands over a handful of accounts, from a seed. */
export function generateCommands(random: () => number, count: number, accounts: readonly string[]): BankCommand[] {
  return Array.from({ length: count }, (_, i): BankCommand => {
    const roll = random();
    const kind = roll < 0.15 ? 'open' : roll < 0.6 ? 'deposit' : 'withdraw';
    return { commandId: `cmd-${i}`, kind, account: pick(random, accounts), amount: 1 + Math.floor(random() * 50) };
  });
}

export function toCommand(command: BankCommand): object {
  if (command.kind === 'open') return new OpenAccount(command.account, 'Ada');
  return command.kind === 'deposit'
    ? new Deposit(command.account, command.amount)
    : new Withdraw(command.account, command.amount);
}

/**
 * `clients` concurrent clients spread over `containers` containers (separate buses on one store, as
 * separate processes would be) send the commands, some of them twice with the same command id.
 */
export async function runBankStress(options: StressOptions): Promise<StressReport> {
  const { store, seed, clients = 16, containers = 4, resendRate = 0.1 } = options;
  const random = seededRandom(seed);
  const runId = `${seed}x${Date.now().toString(36)}`;
  const accounts = Array.from({ length: options.accounts }, (_, i) => `stress-${runId}-${i}`);
  const commands = generateCommands(random, options.commands, accounts).map((c) => ({
    ...c,
    commandId: `${runId}-${c.commandId}`,
  }));

  const counts = {
    sends: 0,
    accepted: 0,
    rejected: 0,
    resent: 0,
    conflictsRetried: 0,
    transientRetried: 0,
    maxAttempts: 0,
  };
  const onRetry = (notice: RetryNotice) =>
    void (notice.reason === 'conflict' ? counts.conflictsRetried++ : counts.transientRetried++);
  const buses = await Promise.all(
    Array.from({ length: containers }, async () => {
      const container = new Container();
      container.load(
        mnemeModule({
          aggregates: [BankAccount],
          eventStore: store,
          retry: {
            maxRetries: 200,
            maxDelayMs: 10,
            transient: { maxRetries: 30, initialDelayMs: 1, maxDelayMs: 20 },
            onRetry,
          },
        }),
      );
      return container.get(CommandBus);
    }),
  );

  // Every command once, some twice, the second send somewhere later in the queue.
  const sends: BankCommand[] = [...commands];
  for (const command of commands) {
    if (random() < resendRate) {
      const at = Math.min(sends.length, sends.indexOf(command) + 1 + Math.floor(random() * 20));
      sends.splice(at, 0, command);
      counts.resent++;
    }
  }

  const outcomes = new Map<string, Outcome[]>();
  const unexpected: string[] = [];
  let next = 0;
  const client = async (index: number) => {
    const bus = buses[index % containers]!;
    while (next < sends.length) {
      const command = sends[next++]!;
      options.beforeSend?.(random);
      counts.sends++;
      let outcome: Outcome;
      try {
        const result = await bus.execute(toCommand(command), { commandId: command.commandId });
        counts.maxAttempts = Math.max(counts.maxAttempts, result.attempts);
        outcome = { accepted: true, nextExpectedRevision: result.nextExpectedRevision, events: result.events.length };
        counts.accepted++;
      } catch (error) {
        const code = MnemeError.is(error) ? (error as MnemeError).code : String(error);
        if (!REJECTIONS.has(code))
          unexpected.push(`${describeCommand(command)} [${command.commandId}]: ${(error as Error).message}`);
        outcome = { accepted: false, code };
        counts.rejected++;
      }
      outcomes.set(command.commandId, [...(outcomes.get(command.commandId) ?? []), outcome]);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  return { commands, outcomes, accounts, counts, unexpected };
}
