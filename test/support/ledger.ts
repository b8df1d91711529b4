import { EventType, type AggregateState, type Command, type ExecuteContext } from 'mneme';

@EventType('TestLedger.Credited')
export class Credited {
  constructor(readonly amount: number) {}
}

export class LedgerState implements AggregateState<Credited> {
  balance = 0;
  apply(event: Credited): this {
    this.balance += event.amount;
    return this;
  }
}

/** A functional-core command that credits `amount` to stream `stream`, recording what it saw. */
export function ledger(stream: string, amount: number) {
  const command = {
    state: new LedgerState(),
    handled: 0,
    contexts: [] as ExecuteContext[],
    eventStreamId: () => stream,
    getState: () => new LedgerState(),
    setState(state: LedgerState) {
      command.state = state;
    },
    handle(context: ExecuteContext) {
      command.handled++;
      command.contexts.push({ ...context });
      return [new Credited(amount)];
    },
  } satisfies Command<Credited, LedgerState> & Record<string, unknown>;
  return command;
}
