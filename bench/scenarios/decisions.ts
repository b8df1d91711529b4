import 'reflect-metadata';
import { Container } from 'inversify';
import { CommandBus, InMemoryEventStore, mnemeModule } from 'mneme';
import {
  BankAccount,
  CreditForTransfer,
  DebitForTransfer,
  Deposit,
  OpenAccount,
} from '../../examples/bank-account/domain.js';
import { AtomicTransfers, TransferMoney } from '../../examples/bank-account/atomic-transfers.js';
import { alternateRepeatable, type Repeatable } from '../harness.js';
import { scenarioReport, type ScenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

const TWO_COMMANDS = 'Mneme, a debit and a credit command (one stream each)';
const ONE_DECISION = 'Mneme, one @Decides transfer (both streams, one commit)';

/**
 * What a decision across aggregates costs: one transfer as one `@Decides` command (two aggregates
 * loaded from the cache, one multi-stream commit) against the same two events as two
 * single-aggregate commands (what a process manager sends, without its own bookkeeping). Each
 * variant has its own container and accounts; transfers go back and forth so balances stay put.
 */
export async function decisionsScenario(settings: BenchSettings): Promise<ScenarioReport> {
  const setUp = async (prefix: string) => {
    const container = new Container();
    container.load(
      mnemeModule({ aggregates: [BankAccount], deciders: [AtomicTransfers], eventStore: new InMemoryEventStore() }),
    );
    const bus = container.get(CommandBus);
    const [a, b] = [`${prefix}-a`, `${prefix}-b`];
    for (const id of [a, b]) {
      await bus.execute(new OpenAccount(id, id));
      await bus.execute(new Deposit(id, 1_000));
    }
    return { bus, a, b };
  };
  const two = await setUp('two');
  const one = await setUp('one');
  let twoTurn = 0;
  let oneTurn = 0;
  const variants: Repeatable[] = [
    {
      name: TWO_COMMANDS,
      run: async () => {
        const [from, to] = twoTurn++ % 2 ? [two.b, two.a] : [two.a, two.b];
        await two.bus.execute(new DebitForTransfer(from, `t${twoTurn}`, 1));
        const credited = await two.bus.execute(new CreditForTransfer(to, `t${twoTurn}`, 1));
        if (credited.events.length !== 1) throw new Error('the credit wrote nothing');
      },
    },
    {
      name: ONE_DECISION,
      run: async () => {
        const [from, to] = oneTurn++ % 2 ? [one.b, one.a] : [one.a, one.b];
        const result = await one.bus.execute(new TransferMoney(`t${oneTurn}`, from, to, 1));
        if (result.events.length !== 2) throw new Error(`the transfer wrote ${result.events.length} events`);
      },
    },
  ];
  const times = await alternateRepeatable(variants, settings.rounds, settings.sliceMs);
  return scenarioReport(
    'decisions',
    '9. A transfer: one decision across both accounts vs two single-aggregate commands (in memory, cache on)',
    'transfer',
    1,
    times,
    [TWO_COMMANDS],
  );
}
