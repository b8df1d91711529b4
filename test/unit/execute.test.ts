import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  ConcurrencyError,
  DomainError,
  EventType,
  InMemoryEventStore,
  InvalidAggregateIdError,
  InvalidEventError,
  MaxRetriesExceededError,
  UnknownEventTypeError,
  execute,
  type AggregateState,
  type AppendOptions,
  type Command,
  type EventData,
} from 'mneme';
import { collect } from '../support/collect.js';

@EventType('Ledger.Credited')
class Credited {
  constructor(readonly amount: number) {}
}
@EventType('Ledger.Debited')
class Debited {
  constructor(readonly amount: number) {}
}
type LedgerEvent = Credited | Debited;

class LedgerState implements AggregateState<LedgerEvent> {
  balance = 0;
  applied: string[] = [];
  history = new Map<string, number>();
  apply(event: LedgerEvent): this {
    if (!(event instanceof Credited) && !(event instanceof Debited))
      throw new Error(`not a class instance: ${JSON.stringify(event)}`);
    this.balance += event instanceof Credited ? event.amount : -event.amount;
    this.applied.push(event.constructor.name);
    this.history.set(String(this.applied.length), this.balance);
    return this;
  }
  canDebit(amount: number) {
    return amount <= this.balance;
  }
}

class Debit implements Command<LedgerEvent, LedgerState> {
  state = new LedgerState();
  handled = 0;
  constructor(
    readonly ledgerId: string,
    readonly amount: number,
  ) {}
  eventStreamId() {
    return `Ledger-${this.ledgerId}`;
  }
  getState() {
    return this.state;
  }
  setState(state: LedgerState) {
    this.state = state;
  }
  async handle() {
    this.handled++;
    await Promise.resolve();
    if (!this.state.canDebit(this.amount)) throw new DomainError('Insufficient funds');
    return [new Debited(this.amount)];
  }
}

class Credit extends Debit {
  override async handle() {
    return [new Credited(this.amount)];
  }
}

describe(execute.name, () => {
  it('creates the stream with no_stream and reports the result', async () => {
    const store = new InMemoryEventStore();
    const result = await execute(new Credit('l1', 50), store);
    expect(result).toEqual({
      streamName: 'Ledger-l1',
      events: [new Credited(50)],
      nextExpectedRevision: 0n,
      attempts: 1,
    });
    const [stored] = await collect(store.readStream('Ledger-l1'));
    expect(stored).toMatchObject({ type: 'Ledger.Credited', data: { amount: 50 } });
  });

  it('folds the stream into the state, as class instances, before handling', async () => {
    const store = new InMemoryEventStore();
    await execute(new Credit('l1', 50), store);
    const debit = new Debit('l1', 20);
    const result = await execute(debit, store);
    expect(result.nextExpectedRevision).toBe(1n);
    expect(debit.state.balance).toBe(30); // the state after the new events too
    expect(debit.state.applied).toEqual(['Credited', 'Debited']);
  });

  it('propagates the command rejection unchanged and writes nothing', async () => {
    const store = new InMemoryEventStore();
    await expect(execute(new Debit('l1', 1), store)).rejects.toThrow(DomainError);
    expect(await collect(store.readStream('Ledger-l1'))).toEqual([]);
  });

  it('retries concurrent commands from a deep copy of the initial state, never applying twice', async () => {
    const store = new InMemoryEventStore();
    await execute(new Credit('l1', 100), store);
    const debits = Array.from({ length: 10 }, () => new Debit('l1', 10));
    const results = await Promise.all(debits.map((d) => execute(d, store, { maxRetries: 50, maxDelayMs: 5 })));
    expect(results.some((r) => r.attempts > 1)).toBe(true);
    for (const debit of debits) {
      expect(debit.state).toBeInstanceOf(LedgerState);
      expect(debit.state.history).toBeInstanceOf(Map);
      // Each retry started from the initial state: the fold never double-counts.
      expect(debit.state.applied.filter((name) => name === 'Credited')).toHaveLength(1);
    }
    const final = new Debit('l1', 0);
    await execute(final, store);
    expect(final.state.balance).toBe(0);
    expect((await collect(store.readStream('Ledger-l1'))).map((e) => e.revision)).toEqual(
      Array.from({ length: 12 }, (_, i) => BigInt(i)),
    );
  });

  it('gives up with MaxRetriesExceededError when the stream keeps moving', async () => {
    class MovingStore extends InMemoryEventStore {
      override async appendToStream(stream: string, _events: EventData[], options?: AppendOptions): Promise<never> {
        throw new ConcurrencyError(stream, options?.expectedRevision ?? 'any', 5n);
      }
    }
    const command = new Credit('l1', 1);
    const error = await execute(command, new MovingStore(), { maxRetries: 2, initialDelayMs: 0 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MaxRetriesExceededError);
    expect(error).toMatchObject({ streamName: 'Ledger-l1', attempts: 3 });
    expect((error as MaxRetriesExceededError).cause).toBeInstanceOf(ConcurrencyError);
  });

  it('rejects an empty stream id before touching the store', async () => {
    class Unaddressed extends Credit {
      override eventStreamId() {
        return '';
      }
    }
    await expect(execute(new Unaddressed('l1', 1), new InMemoryEventStore())).rejects.toThrow(InvalidAggregateIdError);
  });

  it('rejects events that are not @EventType instances', async () => {
    class Sloppy extends Debit {
      override async handle() {
        return [{ amount: 1 } as unknown as Credited];
      }
    }
    const store = new InMemoryEventStore();
    await expect(execute(new Sloppy('l1', 1), store)).rejects.toThrow(InvalidEventError);
    expect(await collect(store.readStream('Ledger-l1'))).toEqual([]);
  });

  it('fails on a stored event type no class registered', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('Ledger-l1', [{ type: 'Ledger.Mystery', data: {} }]);
    await expect(execute(new Credit('l1', 1), store)).rejects.toThrow(UnknownEventTypeError);
  });
});
