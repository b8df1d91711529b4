import { DomainError, type AggregateState, type Command, type ExecuteContext } from 'mneme';
import { Add, Added, Reset, ResetTally, TALLY_CAPACITY, type TallyState } from './tally.js';

/**
 * The differential test's domain for the functional core `execute()`: the same events and rules as
 * the `Tally` aggregate, as a state and commands. Like the aggregate's, its handlers change the state
 * outside `apply()` and put a fresh token (not a function of the state) in every event.
 */
export class CoreTallyState implements AggregateState<Added | Reset> {
  total = 0;
  tokens: string[] = [];
  resets = 0;
  /** Changed by handlers, never by `apply()`: a full replay always gives 0. */
  handlerCalls = 0;
  /** An event was applied: what `expects: 'existing'` checks on the aggregate. */
  exists = false;

  apply(event: Added | Reset): this {
    this.exists = true;
    if (event instanceof Added) this.total += event.amount;
    else {
      this.total = 0;
      this.resets++;
    }
    this.tokens = [...this.tokens, event.token].slice(-4);
    return this;
  }
}

let tokens = 0;

/** One `execute()` command: decides with `decide` on the state it was given. */
export class CoreTallyCommand implements Command<Added | Reset, CoreTallyState> {
  state = new CoreTallyState();
  /** What `handle()` was given, as it was given (before the handler changed it). */
  decidedFrom: Omit<TallyState, 'revision'> | undefined;
  constructor(
    readonly id: string,
    private readonly decide: (state: CoreTallyState) => (Added | Reset)[],
  ) {}
  eventStreamId() {
    return `Tally-${this.id}`;
  }
  getState() {
    return this.state;
  }
  setState(state: CoreTallyState) {
    this.state = state;
  }
  handle(_context: ExecuteContext) {
    const { total, tokens, resets, handlerCalls } = this.state;
    this.decidedFrom = { total, tokens: [...tokens], resets, handlerCalls };
    this.state.handlerCalls++;
    return this.decide(this.state);
  }
}

/** The `execute()` command that does what the bus command does. */
export function coreCommandFor(command: Add | ResetTally): CoreTallyCommand {
  if (command instanceof Add) {
    return new CoreTallyCommand(command.id, (state) => {
      if (state.total + command.amount > TALLY_CAPACITY) throw new DomainError('The tally is full');
      return [new Added(command.amount, `c${++tokens}`)];
    });
  }
  return new CoreTallyCommand(command.id, (state) => {
    if (!state.exists) throw new DomainError('No tally to reset');
    return [new Reset(`c${++tokens}`)];
  });
}

/** A command that decides nothing: `execute()` still folds the stream into its state. */
export function coreProbe(id: string): CoreTallyCommand {
  return new CoreTallyCommand(id, () => []);
}

/** What a full replay determines, at `revision` (the core's state has no revision of its own). */
export function coreStateOf(state: CoreTallyState, revision: bigint): TallyState {
  return {
    revision,
    total: state.total,
    tokens: [...state.tokens],
    resets: state.resets,
    handlerCalls: state.handlerCalls,
  };
}
