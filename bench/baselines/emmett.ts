/** The same bank account in Emmett (a peer library), on Emmett's own in-memory store. */
import { CommandHandler, getInMemoryEventStore, type Event } from '@event-driven-io/emmett';
import { DEPOSITED, OPENED, WITHDRAWN, type AccountEventData } from '../account-events.js';

type Opened = Event<typeof OPENED, { accountId: string; owner: string }>;
type Deposited = Event<typeof DEPOSITED, { accountId: string; amount: number }>;
type Withdrawn = Event<typeof WITHDRAWN, { accountId: string; amount: number }>;
export type EmmettAccountEvent = Opened | Deposited | Withdrawn;

export interface EmmettAccount {
  opened: boolean;
  balance: number;
}

export const initialState = (): EmmettAccount => ({ opened: false, balance: 0 });

export function evolve(state: EmmettAccount, event: EmmettAccountEvent): EmmettAccount {
  switch (event.type) {
    case OPENED:
      return { ...state, opened: true };
    case DEPOSITED:
      return { ...state, balance: state.balance + event.data.amount };
    case WITHDRAWN:
      return { ...state, balance: state.balance - event.data.amount };
  }
}

export const handle = CommandHandler<EmmettAccount, EmmettAccountEvent>({ evolve, initialState });

export function deposit(accountId: string, amount: number) {
  return (state: EmmettAccount): Deposited => {
    if (!state.opened) throw new Error('Account not open');
    return { type: DEPOSITED, data: { accountId, amount } };
  };
}

export function withdraw(accountId: string, amount: number) {
  return (state: EmmettAccount): Withdrawn => {
    if (!state.opened) throw new Error('Account not open');
    if (amount > state.balance) throw new Error('Insufficient funds');
    return { type: WITHDRAWN, data: { accountId, amount } };
  };
}

export function open(accountId: string) {
  return (state: EmmettAccount): Opened => {
    if (state.opened) throw new Error('Account already open');
    return { type: OPENED, data: { accountId, owner: 'Ada' } };
  };
}

export function emmettStore() {
  return getInMemoryEventStore();
}

export function asEmmettEvents(events: readonly AccountEventData[]): EmmettAccountEvent[] {
  return events as unknown as EmmettAccountEvent[];
}
