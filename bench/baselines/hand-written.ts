/**
 * Hand-written event sourcing that shares no code with Mneme: its own Map of arrays, a switch over
 * the event type, an expected-length check on append. What the same work costs without a library.
 */
import { DEPOSITED, OPENED, WITHDRAWN } from '../account-events.js';

export interface PlainEvent {
  readonly type: string;
  readonly data: { readonly amount?: number; readonly owner?: string };
}

export interface AccountState {
  opened: boolean;
  balance: number;
  /** Events folded: the expected length for the next append. */
  length: number;
}

export class LengthConflict extends Error {}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Events kept as objects. With `roundTrip`, reads and appends yield first, as a store behind a socket would. */
export class ObjectEventStore {
  readonly #streams = new Map<string, PlainEvent[]>();
  constructor(private readonly roundTrip = false) {}

  async read(stream: string): Promise<readonly PlainEvent[]> {
    if (this.roundTrip) await nextTurn();
    return this.#streams.get(stream) ?? [];
  }

  async append(stream: string, events: readonly PlainEvent[], expectedLength: number): Promise<number> {
    if (this.roundTrip) await nextTurn();
    let current = this.#streams.get(stream);
    if ((current?.length ?? 0) !== expectedLength) throw new LengthConflict();
    if (!current) this.#streams.set(stream, (current = []));
    for (const event of events) current.push(event);
    return current.length;
  }
}

export function foldAccount(events: readonly PlainEvent[]): AccountState {
  const state: AccountState = { opened: false, balance: 0, length: 0 };
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    switch (event.type) {
      case OPENED:
        state.opened = true;
        break;
      case DEPOSITED:
        state.balance += event.data.amount!;
        break;
      case WITHDRAWN:
        state.balance -= event.data.amount!;
        break;
    }
    state.length = i + 1;
  }
  return state;
}

/** Events kept as JSON text and parsed per event on every read, as the Kurrent path hands them out. */
export class JsonEventStore {
  readonly #streams = new Map<string, { type: string; json: string }[]>();

  append(stream: string, events: readonly PlainEvent[]): void {
    let current = this.#streams.get(stream);
    if (!current) this.#streams.set(stream, (current = []));
    for (const event of events) current.push({ type: event.type, json: JSON.stringify(event.data) });
  }

  async fold(stream: string): Promise<AccountState> {
    const events = this.#streams.get(stream) ?? [];
    const state: AccountState = { opened: false, balance: 0, length: 0 };
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const data = JSON.parse(event.json) as PlainEvent['data'];
      switch (event.type) {
        case OPENED:
          state.opened = true;
          break;
        case DEPOSITED:
          state.balance += data.amount!;
          break;
        case WITHDRAWN:
          state.balance -= data.amount!;
          break;
      }
      state.length = i + 1;
    }
    return state;
  }
}
