import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Container } from 'inversify';
import { CommandBus, MnemeError, mnemeModule, type AppendOptions, type EventData } from 'mneme';
import { BankAccount } from '../../examples/bank-account/domain.js';
import { FlakyStore, type FlakyFault } from '../support/flaky-store.js';
import { checkAgainstModel, describeCommand, type BankCommand, type Outcome } from './bank-model.js';
import { toCommand } from './bank-stress.js';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261128);
const ACCOUNTS = ['a0', 'a1', 'a2'];

/** One send: a command (or a re-send of an earlier one), maybe run concurrently with the previous send, maybe hit by a fault. */
interface Step {
  readonly command: BankCommand;
  readonly resendOf: number | undefined;
  readonly concurrent: boolean;
  readonly fault: FlakyFault | undefined;
}

const stepArbitrary = fc.record({
  kind: fc.constantFrom('open', 'deposit', 'withdraw'),
  account: fc.constantFrom(...ACCOUNTS),
  amount: fc.integer({ min: 1, max: 50 }),
  resend: fc.option(fc.nat(), { nil: undefined }),
  concurrent: fc.boolean(),
  fault: fc.constantFrom<FlakyFault | undefined>(undefined, undefined, undefined, 'unavailable', 'drop-after-write'),
});

/** Commands with their ids, and a readable form for fast-check's counterexample. */
const scenarioArbitrary = fc.array(stepArbitrary, { minLength: 1, maxLength: 30 }).map((raws) => {
  const steps: Step[] = [];
  raws.forEach((raw, index) => {
    const resendOf = raw.resend !== undefined && index > 0 ? raw.resend % index : undefined;
    const command: BankCommand =
      resendOf !== undefined
        ? steps[resendOf]!.command
        : { commandId: `c${index}`, kind: raw.kind, account: raw.account, amount: raw.amount };
    steps.push({ command, resendOf, concurrent: raw.concurrent, fault: raw.fault });
  });
  return Object.assign(steps, {
    [fc.toStringMethod]: () =>
      steps
        .map(
          (s) =>
            `${s.concurrent ? '‖ ' : ''}${describeCommand(s.command)}#${s.command.commandId}${s.resendOf !== undefined ? ' (re-sent)' : ''}${s.fault ? ` [${s.fault}]` : ''}`,
        )
        .join(', '),
  });
});

/** Decides a command on the model's state, as the bank account must (the reference, written separately). */
function modelDecide(balances: Map<string, number>, command: BankCommand): { accepted: boolean; code?: string } {
  const balance = balances.get(command.account);
  if (command.kind === 'open')
    return balance === undefined ? { accepted: true } : { accepted: false, code: 'MNEME_DOMAIN_REJECTED' };
  if (balance === undefined) return { accepted: false, code: 'MNEME_AGGREGATE_NOT_FOUND' };
  if (command.kind === 'withdraw' && command.amount > balance)
    return { accepted: false, code: 'BANK_INSUFFICIENT_FUNDS' };
  return { accepted: true };
}

function modelApply(balances: Map<string, number>, command: BankCommand): void {
  const balance = balances.get(command.account) ?? 0;
  balances.set(
    command.account,
    balance + (command.kind === 'deposit' ? command.amount : command.kind === 'withdraw' ? -command.amount : 0),
  );
}

/**
 * Runs the steps on two containers sharing `store`; groups of concurrent steps run together. A
 * step that runs alone must be decided exactly as the model decides it.
 */
async function runScenario(steps: readonly Step[], store: FlakyStore): Promise<void> {
  const buses = await Promise.all(
    [0, 1].map(async () => {
      const container = new Container();
      container.load(
        mnemeModule({
          aggregates: [BankAccount],
          eventStore: store,
          retry: { maxRetries: 50, maxDelayMs: 1, transient: { maxRetries: 10, initialDelayMs: 0 } },
        }),
      );
      return container.get(CommandBus);
    }),
  );
  const outcomes = new Map<string, Outcome[]>();
  const balances = new Map<string, number>();
  const acceptedIds = new Set<string>();
  const groups: Step[][] = [];
  for (const step of steps)
    (step.concurrent && groups.length > 0 ? groups.at(-1)! : (groups[groups.length] = [])).push(step);

  for (const group of groups) {
    for (const step of group) if (step.fault) store.failNext('append', step.fault);
    const predicted = group.length === 1 ? predict(group[0]!.command) : undefined;
    const results = await Promise.all(
      group.map(async (step, i): Promise<Outcome> => {
        try {
          const result = await buses[i % 2]!.execute(toCommand(step.command), { commandId: step.command.commandId });
          return { accepted: true, nextExpectedRevision: result.nextExpectedRevision, events: result.events.length };
        } catch (error) {
          if (!MnemeError.is(error)) throw error;
          return { accepted: false, code: (error as MnemeError).code };
        }
      }),
    );
    group.forEach((step, i) => {
      const outcome = results[i]!;
      if (
        !outcome.accepted &&
        !['MNEME_DOMAIN_REJECTED', 'MNEME_AGGREGATE_NOT_FOUND', 'BANK_INSUFFICIENT_FUNDS'].includes(outcome.code)
      ) {
        throw new Error(`${describeCommand(step.command)} failed with ${outcome.code}`);
      }
      if (outcome.accepted) {
        expect(outcome.events).toBe(1);
        if (!acceptedIds.has(step.command.commandId)) modelApply(balances, step.command);
        acceptedIds.add(step.command.commandId);
      }
      outcomes.set(step.command.commandId, [...(outcomes.get(step.command.commandId) ?? []), outcome]);
    });
    if (predicted)
      expect({ command: describeCommand(group[0]!.command), accepted: results[0]!.accepted }).toEqual({
        command: describeCommand(group[0]!.command),
        accepted: predicted.accepted,
      });
  }
  store.stopFaults();
  const commands = [...new Map(steps.map((s) => [s.command.commandId, s.command])).values()];
  await checkAgainstModel(store, commands, outcomes, ACCOUNTS);

  function predict(command: BankCommand) {
    return acceptedIds.has(command.commandId) ? { accepted: true } : modelDecide(balances, command);
  }
}

describe('property: any command sequence on the in-memory store', () => {
  it('keeps balances exact and non-negative, and stores each accepted command once, whatever the sequence and faults', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (steps) => runScenario(steps, new FlakyStore())),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('names the failing command sequence when an invariant breaks (a store that loses some writes)', async () => {
    /** Acknowledges every 4th append without writing it. */
    class LossyStore extends FlakyStore {
      appends = 0;
      override async appendToStream(stream: string, events: EventData[], options?: AppendOptions) {
        const result = await super.appendToStream(stream, ++this.appends % 4 === 0 ? [] : events, options);
        return {
          nextExpectedRevision: result.nextExpectedRevision + BigInt(this.appends % 4 === 0 ? events.length : 0),
        };
      }
    }
    const failure = await fc
      .assert(
        fc.asyncProperty(scenarioArbitrary, async (steps) => runScenario(steps, new LossyStore())),
        { seed: SEED, numRuns: 150 },
      )
      .catch((error: unknown) => error as Error);
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toMatch(/Counterexample: .*(Open|Deposit|Withdraw)\(a\d/);
    expect(message).toMatch(/Shrunk \d+ time/);
  });
});
