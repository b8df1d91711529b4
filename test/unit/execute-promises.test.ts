import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  COMMAND_WINDOW,
  CommandBus,
  Handles,
  CommandOutsideWindowError,
  EventType,
  InMemoryEventStore,
  InvalidAggregateError,
  InvalidCommandError,
  InvalidConfigurationError,
  InvalidEventError,
  deserializeEvent,
  execute,
  type AggregateState,
  type Command,
  type EventStore,
  type ExecuteConfig,
  type RecordedEvent,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { CommandRouter } from '../../src/commands/command-router.js';
import { collect } from '../support/collect.js';
import { CountingEventStore } from '../support/counting-event-store.js';
import { startKurrentTarget, type KurrentTarget } from '../support/kurrent-target.js';

// execute() keeps the command bus's promises: the exactly-once window, a duplicate that loses the
// race answered with what was stored, and user code (handlers, apply, config) that cannot bend them.

@EventType('ExecutePromises.Issued')
class Issued {
  constructor(
    readonly ticket = '',
    readonly seats: string[] = [],
  ) {}
}

class ShowState implements AggregateState<Issued> {
  tickets: string[] = [];
  /** Changed only by handlers: a full replay always gives 0. */
  handlerCalls = 0;
  apply(event: Issued): this {
    this.tickets.push(event.ticket);
    return this;
  }
}

/** Lets `expected` callers in, then all of them on together (or on after 2 s, so nothing hangs; the test then sees one decision). */
class Barrier {
  #waiting: (() => void)[] = [];
  constructor(private readonly expected: number) {}
  arrive(): Promise<void> {
    const passed = new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
      setTimeout(resolve, 2000).unref();
    });
    if (this.#waiting.length >= this.expected) for (const release of this.#waiting) release();
    return passed;
  }
}

class IssueTicket implements Command<Issued, ShowState> {
  state = new ShowState();
  decisions = 0;
  constructor(
    readonly showId: string,
    readonly barrier?: Barrier,
  ) {}
  eventStreamId() {
    return `ExecuteShow-${this.showId}`;
  }
  getState() {
    return this.state;
  }
  setState(state: ShowState) {
    this.state = state;
  }
  async handle() {
    this.decisions++;
    this.state.handlerCalls++;
    await this.barrier?.arrive();
    // Not a function of the state: each decision holds its own ticket.
    return [new Issued(randomUUID())];
  }
}

/** What a full replay gives, folded apart from execute(). */
function replayed(records: readonly RecordedEvent[]): { tickets: string[]; handlerCalls: number } {
  return { tickets: records.map((recorded) => (deserializeEvent(recorded) as Issued).ticket), handlerCalls: 0 };
}

const plain = (state: ShowState) => ({ tickets: [...state.tickets], handlerCalls: state.handlerCalls });

interface StoreTarget {
  name: string;
  store(): Promise<EventStore>;
}

let kurrent: KurrentTarget | undefined;
let kurrentStore: KurrentEventStore | undefined;
afterAll(async () => {
  await kurrentStore?.close();
  await kurrent?.close();
});
const targets: StoreTarget[] = [
  { name: 'InMemoryEventStore', store: async () => new InMemoryEventStore() },
  {
    name: 'KurrentEventStore (the emulator, or KURRENTDB_CONNECTION_STRING)',
    store: async () => {
      kurrent ??= await startKurrentTarget();
      return (kurrentStore ??= new KurrentEventStore(kurrent.connectionString));
    },
  },
];

describe.each(targets.map((target) => [target.name, target] as const))('execute() on %s', (_name, target) => {
  it('stores one copy when two callers send the same commandId at once, and both get the stored events', async () => {
    const store = await target.store();
    const showId = randomUUID();
    await execute(new IssueTicket(showId), store);
    const barrier = new Barrier(2);
    const senders = [new IssueTicket(showId, barrier), new IssueTicket(showId, barrier)];
    const results = await Promise.all(
      senders.map((command) => execute(command, store, { commandId: 'redelivered', maxDelayMs: 1 })),
    );
    expect(senders.map((command) => command.decisions)).toEqual([1, 1]); // both decided at the same revision: the race happened

    const records = await collect(store.readStream(`ExecuteShow-${showId}`));
    const ofCommand = records.filter((recorded) => recorded.metadata.commandId === 'redelivered');
    expect(ofCommand).toHaveLength(1);
    const storedEvents = ofCommand.map((recorded) => deserializeEvent(recorded));
    for (const result of results) {
      expect(result.events).toEqual(storedEvents);
      expect(result.nextExpectedRevision).toBe(ofCommand[0]!.revision);
    }
    // Both commands hold what a full replay gives: the stored ticket, never the loser's own.
    for (const command of senders) expect(plain(command.state)).toEqual(replayed(records));
  });

  it('refuses a re-send after 300 other events with CommandOutsideWindowError and writes nothing', async () => {
    const store = await target.store();
    const showId = randomUUID();
    const streamName = `ExecuteShow-${showId}`;
    await execute(new IssueTicket(showId), store, { commandId: 'once' });
    await store.appendToStream(
      streamName,
      Array.from({ length: 300 }, () => ({ type: 'ExecutePromises.Issued', data: { ticket: 'other', seats: [] } })),
    );
    const resend = new IssueTicket(showId);
    const error = await execute(resend, store, { commandId: 'once' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandOutsideWindowError);
    expect(error).toMatchObject({
      code: 'MNEME_COMMAND_OUTSIDE_WINDOW',
      commandId: 'once',
      streamName,
      revision: 0n,
      lastRevision: 300n,
      window: COMMAND_WINDOW,
    });
    expect(resend.decisions).toBe(0);
    expect(await collect(store.readStream(streamName))).toHaveLength(301);
  });
});

describe('execute() and the exactly-once window', () => {
  it('recognises a re-send whose events are the 256th from the end, and refuses one a single event further back', async () => {
    const store = new InMemoryEventStore();
    const streamName = 'ExecuteShow-window';
    const first = await execute(new IssueTicket('window'), store, { commandId: 'edge' });
    const others = (count: number) =>
      Array.from({ length: count }, () => ({ type: 'ExecutePromises.Issued', data: { ticket: 'other', seats: [] } }));
    await store.appendToStream(streamName, others(COMMAND_WINDOW - 1));
    const again = new IssueTicket('window');
    const answer = await execute(again, store, { commandId: 'edge' });
    expect(answer.events).toEqual(first.events);
    expect(answer.nextExpectedRevision).toBe(0n);
    expect(again.decisions).toBe(0);

    await store.appendToStream(streamName, others(1));
    await expect(execute(new IssueTicket('window'), store, { commandId: 'edge' })).rejects.toMatchObject({
      code: 'MNEME_COMMAND_OUTSIDE_WINDOW',
      lastRevision: BigInt(COMMAND_WINDOW),
    });
    expect(await collect(store.readStream(streamName))).toHaveLength(COMMAND_WINDOW + 1);
  });
});

class Issue {
  @AggregateId() showId: string;
  constructor(showId: string) {
    this.showId = showId;
  }
}

@Aggregate({ category: 'ExecuteShow' })
class Show extends AggregateRoot {
  tickets: string[] = [];
  @Handles(Issue) issue() {
    return new Issued(randomUUID());
  }
  @Apply(Issued) onIssued(event: Issued) {
    this.tickets.push(event.ticket);
  }
}

describe('execute() and the command bus on one stream', () => {
  it("recognise each other's commands: sent through the bus, then again through execute(), it is stored once", async () => {
    const store = new InMemoryEventStore();
    const bus = new CommandBus(new AggregateRepository(store), new CommandRouter([Show]), []);
    const first = await bus.execute(new Issue('shared'), { commandId: 'both-ways' });
    const again = new IssueTicket('shared');
    const answer = await execute(again, store, { commandId: 'both-ways' });
    expect(again.decisions).toBe(0);
    expect(answer.events).toEqual(first.events);
    expect(answer.nextExpectedRevision).toBe(first.nextExpectedRevision);

    const viaCore = await execute(new IssueTicket('shared'), store, { commandId: 'core-first' });
    const viaBus = await bus.execute(new Issue('shared'), { commandId: 'core-first' });
    expect(viaBus.events).toEqual(viaCore.events);
    const records = await collect(store.readStream('ExecuteShow-shared'));
    expect(records.map((recorded) => recorded.metadata.commandId)).toEqual(['both-ways', 'core-first']);
  });
});

/** A command whose handle() and state are given by the test. */
class Scripted implements Command<Issued, ShowState> {
  constructor(
    readonly id: string,
    public state: ShowState,
    readonly decide: (state: ShowState) => unknown,
  ) {}
  eventStreamId() {
    return `ExecuteShow-${this.id}`;
  }
  getState() {
    return this.state;
  }
  setState(state: ShowState) {
    this.state = state;
  }
  handle() {
    return this.decide(this.state) as Issued[];
  }
}

describe('execute() with hostile user code', () => {
  it('returns and stores the events as handle() returned them, whatever it changes in them afterwards', async () => {
    const store = new InMemoryEventStore();
    let changed!: Promise<void>;
    const command = new Scripted('mutating', new ShowState(), () => {
      const event = new Issued('as returned', ['A1']);
      const events = [event];
      changed = new Promise<void>((resolve) =>
        setImmediate(() => {
          (event as { ticket: string }).ticket = 'changed';
          event.seats.push('B2');
          events.push(new Issued('smuggled'));
          resolve();
        }),
      );
      return events;
    });
    const result = await execute(command, store);
    await changed;
    const records = await collect(store.readStream('ExecuteShow-mutating'));
    expect(records.map((recorded) => recorded.data)).toEqual([{ ticket: 'as returned', seats: ['A1'] }]);
    expect(result.events).toEqual([new Issued('as returned', ['A1'])]);
    expect(plain(command.state)).toEqual(replayed(records));
  });

  it('leaves what handle() changed in its state outside apply() out of the state it ends with', async () => {
    const store = new InMemoryEventStore();
    await execute(new IssueTicket('outside'), store);
    const command = new IssueTicket('outside');
    await execute(command, store);
    expect(command.decisions).toBe(1);
    expect(plain(command.state)).toEqual(replayed(await collect(store.readStream('ExecuteShow-outside'))));
  });

  it.each([
    ['a single event, not an array', () => new Issued('lone')],
    ['undefined', () => undefined],
    ['a string', () => 'Issued'],
    ['an array with a hole', () => [, new Issued('after the hole')]], // eslint-disable-line no-sparse-arrays
    ['an array holding null', () => [new Issued('first'), null]],
    ['an array holding a plain object', () => [{ ticket: 'plain' }]],
  ])('refuses handle() returning %s with InvalidEventError and writes nothing', async (_name, decide) => {
    const store = new InMemoryEventStore();
    await expect(execute(new Scripted('odd', new ShowState(), decide), store)).rejects.toBeInstanceOf(
      InvalidEventError,
    );
    expect(await collect(store.readStream('ExecuteShow-odd'))).toEqual([]);
  });

  it.each([
    ['a number', () => 42],
    ['a promise', () => Promise.resolve()],
    ['null', () => null],
  ])(
    'refuses an apply() returning %s with InvalidAggregateError, before deciding on such a state',
    async (_name, returned) => {
      class OddState extends ShowState {
        override apply(event: Issued): this {
          super.apply(event);
          return returned() as unknown as this;
        }
      }
      const store = new InMemoryEventStore();
      await execute(new IssueTicket('odd-apply'), store);
      const command = new Scripted('odd-apply', new OddState(), () => [new Issued('never')]);
      const error = await execute(command, store).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidAggregateError);
      expect(error).toMatchObject({ aggregateType: 'OddState' });
      expect(await collect(store.readStream('ExecuteShow-odd-apply'))).toHaveLength(1);
    },
  );

  it('accepts an apply() that returns a new state', async () => {
    class ImmutableState extends ShowState {
      override apply(event: Issued): this {
        const next = Object.assign(new ImmutableState(), { tickets: [...this.tickets, event.ticket] });
        return next as this;
      }
    }
    const store = new InMemoryEventStore();
    await execute(new IssueTicket('immutable'), store);
    const command = new Scripted('immutable', new ImmutableState(), () => [new Issued('second')]);
    await execute(command, store);
    expect(command.state).toBeInstanceOf(ImmutableState);
    expect(command.state.tickets).toHaveLength(2);
  });
});

describe('execute() with wrong-typed arguments', () => {
  const untouched = () => new CountingEventStore(new InMemoryEventStore());

  it.each<[string, unknown, string, RegExp | undefined]>([
    ['null', null, 'config', undefined],
    ['a string', 'fast', 'config', undefined],
    ['an array', [], 'config', undefined],
    ['a class instance', new Date(), 'config', undefined],
    ['a misspelt retry option', { maxRetry: 1 }, 'config.maxRetry', /did you mean 'maxRetries'/],
    ['a misspelt command option', { comandId: 'c-1' }, 'config.comandId', /did you mean 'commandId'/],
    ['a command id of the wrong type', { commandId: 7 }, 'config.commandId', undefined],
    ['an empty command id', { commandId: ' ' }, 'config.commandId', undefined],
    ['metadata that is not an object', { metadata: 'by ada' }, 'config.metadata', undefined],
    ['a timeout as text', { timeoutMs: '30s' }, 'config.timeoutMs', undefined],
    ['a zero timeout', { timeoutMs: 0 }, 'config.timeoutMs', undefined],
    ['a retry count as text', { maxRetries: '5' }, 'config', /maxRetries/],
    ['a negative retry count', { maxRetries: -1 }, 'config', /maxRetries/],
    ['a delay past setTimeout', { maxDelayMs: 2 ** 31 }, 'config', /maxDelayMs/],
    ['transient as text', { transient: 'yes' }, 'config.transient', undefined],
    ['onRetry not a function', { onRetry: 'log' }, 'config.onRetry', undefined],
  ])(
    'refuses a config that is %s with InvalidConfigurationError, reading nothing',
    async (_name, config, option, message) => {
      const store = untouched();
      const command = new IssueTicket('config');
      const error = await execute(command, store, config as ExecuteConfig).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidConfigurationError);
      expect(error).toMatchObject({ code: 'MNEME_INVALID_CONFIGURATION', option });
      if (message) expect((error as Error).message).toMatch(message);
      expect(store.readsOf('ExecuteShow-config')).toBe(0);
      expect(command.decisions).toBe(0);
    },
  );

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'IssueTicket'],
    ['a plain object without the methods', { handle: () => [] }],
  ])('refuses a command that is %s with InvalidCommandError', async (_name, command) => {
    const error = await execute(command as Command<Issued, ShowState>, untouched()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCommandError);
    expect((error as Error).message).toMatch(/eventStreamId\(\), getState\(\), setState\(\) and handle\(\)/);
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a connection string', 'kurrentdb://localhost:2113'],
    ['an object without readStream', { appendToStream: () => undefined }],
  ])('refuses a store that is %s with InvalidConfigurationError', async (_name, store) => {
    const command = new IssueTicket('store');
    const error = await execute(command, store as EventStore).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MNEME_INVALID_CONFIGURATION', option: 'eventStore' });
    expect(command.decisions).toBe(0);
  });
});
