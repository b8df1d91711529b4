import 'reflect-metadata';
import { Aggregate, AggregateId, AggregateRoot, Apply, Decides, DomainError, EventType, Handles, Upcast } from 'mneme';

/**
 * The differential test's domain. It holds what makes paths disagree: an event stored under an
 * alias and an older schema version (upcast), a handler that changes state outside an applier, and
 * events whose content is not a function of the state (a fresh token per decision).
 */
@EventType('Tally.Added', { version: 2, aliases: ['Tally.Incremented'] })
export class Added {
  /** Version 1 (stored as 'Tally.Incremented' by the old producer): `{ by }`, no token. */
  @Upcast(1) static fromV1(v1: { by: number }) {
    return { amount: v1.by, token: 'legacy' };
  }

  constructor(
    readonly amount = 0,
    readonly token = '',
  ) {}
}

@EventType('Tally.Reset')
export class Reset {
  constructor(readonly token = '') {}
}

export class Add {
  @AggregateId() id: string;
  constructor(
    id: string,
    readonly amount: number,
  ) {
    this.id = id;
  }
}

export class ResetTally {
  @AggregateId() id: string;
  constructor(id: string) {
    this.id = id;
  }
}

/** Decides nothing: records the state the command would decide from. */
export class Probe {
  @AggregateId() id: string;
  constructor(
    id: string,
    readonly seen: (state: TallyState) => void,
  ) {
    this.id = id;
  }
}

/** What a full replay determines: every field but the aggregate's internals. */
export interface TallyState {
  readonly revision: bigint;
  readonly total: number;
  readonly tokens: readonly string[];
  readonly resets: number;
  readonly handlerCalls: number;
}

export const TALLY_CAPACITY = 60;
let tokens = 0;

@Aggregate({ category: 'Tally', snapshot: { every: 3, version: 1 } })
export class Tally extends AggregateRoot {
  total = 0;
  tokens: string[] = [];
  resets = 0;
  /** Changed by handlers, never by appliers: a full replay always gives 0. */
  handlerCalls = 0;

  @Handles(Add)
  add(command: Add) {
    this.handlerCalls++;
    if (this.total + command.amount > TALLY_CAPACITY) throw new DomainError('The tally is full');
    return new Added(command.amount, `t${++tokens}`);
  }

  @Handles(ResetTally, { expects: 'existing' })
  reset() {
    this.handlerCalls++;
    return new Reset(`t${++tokens}`);
  }

  @Handles(Probe)
  probe(command: Probe) {
    command.seen(stateOf(this));
    this.handlerCalls++;
    return [];
  }

  @Apply(Added) onAdded(event: Added) {
    this.total += event.amount;
    this.tokens = [...this.tokens, event.token].slice(-4);
  }

  @Apply(Reset) onReset(event: Reset) {
    this.total = 0;
    this.resets++;
    this.tokens = [...this.tokens, event.token].slice(-4);
  }
}

export function stateOf(tally: Tally): TallyState {
  return {
    revision: tally.revision,
    total: tally.total,
    tokens: [...tally.tokens],
    resets: tally.resets,
    handlerCalls: tally.handlerCalls,
  };
}

/**
 * Moves an amount from one tally to another in one decision (`@Decides`); `copy` reads the source
 * and writes only the target (the source is then a consistency check). Both change handler state
 * outside appliers, which no path may keep.
 */
export class Move {
  constructor(
    readonly fromId: string,
    readonly toId: string,
    readonly amount: number,
    readonly copy: boolean,
  ) {}
}

export class Mover {
  @Decides(Move, { aggregates: (cmd) => ({ from: [Tally, cmd.fromId], to: [Tally, cmd.toId] }) })
  move(cmd: Move, { from, to }: { from: Tally; to: Tally }) {
    from.handlerCalls++;
    to.handlerCalls++;
    const amount = cmd.copy ? from.total % 7 : cmd.amount;
    if (to.total + amount > TALLY_CAPACITY) throw new DomainError('The tally is full');
    if (cmd.copy) return amount === 0 ? {} : { to: new Added(amount, `t${++tokens}`) };
    if (from.total < amount) throw new DomainError('Not that much to move');
    return { from: new Added(-amount, `t${++tokens}`), to: [new Added(amount, `t${++tokens}`)] };
  }
}
