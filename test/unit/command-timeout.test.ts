import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRoot,
  Apply,
  CommandBus,
  CommandTimeoutError,
  ConcurrencyError,
  EventStore,
  EventType,
  Handles,
  InMemoryEventStore,
  InvalidConfigurationError,
  StreamQueueInterceptor,
  execute,
  mnemeModule,
  type AggregateState,
  type AppendOptions,
  type AppendResult,
  type Command,
  type EventData,
} from 'mneme';
import { conflictingStore } from 'mneme/testing';
import { collect } from '../support/collect.js';

@EventType('Gate.Noted')
class Noted {
  constructor(readonly note: string) {}
}

class Note {
  @AggregateId() gateId: string;
  constructor(
    gateId: string,
    readonly note: string,
  ) {
    this.gateId = gateId;
  }
}

/** A handler that waits on a gate the test opens (or never opens), then decides. */
class Hang {
  @AggregateId() gateId: string;
  constructor(
    gateId: string,
    readonly gate: Promise<string>,
  ) {
    this.gateId = gateId;
  }
}

/** A synchronous handler that blocks the event loop past the timeout. */
class Block {
  @AggregateId() gateId: string;
  constructor(
    gateId: string,
    readonly ms: number,
  ) {
    this.gateId = gateId;
  }
}

@Aggregate({ category: 'Gate' })
class Gate extends AggregateRoot {
  notes: string[] = [];

  @Handles(Note)
  note(cmd: Note) {
    return new Noted(cmd.note);
  }

  @Handles(Hang)
  async hang(cmd: Hang) {
    return new Noted(await cmd.gate);
  }

  @Handles(Block)
  block(cmd: Block) {
    const until = Date.now() + cmd.ms;
    while (Date.now() < until);
    return new Noted('blocked');
  }

  @Apply(Noted) onNoted(event: Noted) {
    this.notes.push(event.note);
  }
}

async function busOn(store: EventStore, options: Parameters<typeof mnemeModule>[0] = {}): Promise<CommandBus> {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [Gate], eventStore: store, ...options }));
  return container.get(CommandBus);
}

const notesIn = async (store: EventStore, stream: string) =>
  (await collect(store.readStream(stream))).map((e) => (e.data as { note: string }).note);

/** A gate: `open(value)` settles the handler waiting on it, `fail()` makes it reject. */
function gate() {
  let open!: (value: string) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<string>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('CommandBus timeouts', () => {
  it('fails a command whose handler never settles with CommandTimeoutError naming it', async () => {
    const bus = await busOn(new InMemoryEventStore(), { commandTimeoutMs: 50 });
    const error = await bus.execute(new Hang('g-1', new Promise<string>(() => {}))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(CommandTimeoutError.is(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'MNEME_COMMAND_TIMEOUT',
      commandType: 'Hang',
      streamName: 'Gate-g-1',
      aggregateId: 'g-1',
      timeoutMs: 50,
      attempt: 1,
    });
  });

  it('writes nothing the handler decides after the timeout, and the late result is dropped', async () => {
    const store = new InMemoryEventStore();
    const bus = await busOn(store, { commandTimeoutMs: 40 });
    const late = gate();
    await expect(bus.execute(new Hang('g-2', late.promise))).rejects.toBeInstanceOf(CommandTimeoutError);
    late.open('too late');
    await settle();
    expect(await notesIn(store, 'Gate-g-2')).toEqual([]);
    // The stream is usable, and the late decision still is not written.
    await bus.execute(new Note('g-2', 'next'));
    await settle();
    expect(await notesIn(store, 'Gate-g-2')).toEqual(['next']);
  });

  it('observes a late rejection: no unhandled rejection', async () => {
    const bus = await busOn(new InMemoryEventStore(), { commandTimeoutMs: 30 });
    const late = gate();
    await expect(bus.execute(new Hang('g-3', late.promise))).rejects.toBeInstanceOf(CommandTimeoutError);
    late.fail(new Error('late failure'));
    await settle();
    expect(unhandled).toEqual([]);
  });

  it("does not hold the stream's next commands behind a handler that never settles (queue on)", async () => {
    const store = new InMemoryEventStore();
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Gate], eventStore: store, commandTimeoutMs: 1_000 }));
    const bus = container.get(CommandBus);
    const queue = container.get(StreamQueueInterceptor);
    const hung = bus.execute(new Hang('g-4', new Promise<string>(() => {})));
    // Sent while the hung one holds the stream, with the same timeout: each still succeeds.
    const next = [bus.execute(new Note('g-4', 'a')), bus.execute(new Note('g-4', 'b'))];
    await expect(Promise.all(next)).resolves.toHaveLength(2);
    expect(queue.activeStreams).toBe(1); // the hung one still holds it
    await expect(hung).rejects.toBeInstanceOf(CommandTimeoutError);
    // Released when the hung one timed out: the stream is idle again, and later commands run at once.
    expect(queue.activeStreams).toBe(0);
    await bus.execute(new Note('g-4', 'c'));
    expect(queue.activeStreams).toBe(0);
    expect((await notesIn(store, 'Gate-g-4')).sort()).toEqual(['a', 'b', 'c']);
  });

  it('does not run a queued command whose time ran out while it waited', async () => {
    const store = new InMemoryEventStore();
    const bus = await busOn(store, { commandTimeoutMs: 60_000 });
    const release = gate();
    const first = bus.execute(new Hang('g-10', release.promise));
    // Queued behind `first`. The loop is blocked past its whole time, so when it may leave the queue
    // (after half its time) its time is already up: it must fail without running.
    const late = bus.execute(new Note('g-10', 'never'), { timeoutMs: 40 });
    const until = Date.now() + 60;
    while (Date.now() < until); // blocks the loop past the queued command's whole time
    await expect(late).rejects.toBeInstanceOf(CommandTimeoutError);
    release.open('first');
    await first;
    await settle();
    expect(await notesIn(store, 'Gate-g-10')).toEqual(['first']);
  });

  it('fails a command whose synchronous handler blocks past the timeout, and writes nothing', async () => {
    const store = new InMemoryEventStore();
    const bus = await busOn(store, { commandTimeoutMs: 20 });
    await expect(bus.execute(new Block('g-5', 60))).rejects.toBeInstanceOf(CommandTimeoutError);
    expect(await notesIn(store, 'Gate-g-5')).toEqual([]);
  });

  it('bounds a store that never answers an append', async () => {
    class SilentAppends extends InMemoryEventStore {
      override appendToStream(_s: string, _e: EventData[], _o?: AppendOptions): Promise<AppendResult> {
        return new Promise(() => {});
      }
    }
    const bus = await busOn(new SilentAppends(), { commandTimeoutMs: 40 });
    await expect(bus.execute(new Note('g-6', 'x'))).rejects.toMatchObject({
      code: 'MNEME_COMMAND_TIMEOUT',
      attempt: 1,
    });
  });

  it('bounds conflict retries: a stream that always conflicts times out with the last conflict as cause', async () => {
    const store = conflictingStore(new InMemoryEventStore(), { times: 1_000_000 });
    const bus = await busOn(store, { commandTimeoutMs: 100 });
    const error = (await bus.execute(new Note('g-7', 'x')).catch((e: unknown) => e)) as CommandTimeoutError;
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(error.cause).toBeInstanceOf(ConcurrencyError);
    expect(error.attempt).toBeGreaterThan(1);
    const attemptsThen = store.conflicts;
    await settle();
    expect(store.conflicts).toBe(attemptsThen); // no attempt after the timeout
  });

  it('takes a per-command timeoutMs over the module default', async () => {
    const bus = await busOn(new InMemoryEventStore(), { commandTimeoutMs: 60_000 });
    await expect(bus.execute(new Hang('g-8', new Promise<string>(() => {})), { timeoutMs: 30 })).rejects.toMatchObject({
      timeoutMs: 30,
    });
  });

  it.each([0, -1, Number.NaN, Infinity, 2 ** 31, '100', null])(
    'refuses commandTimeoutMs %p when the module loads',
    async (value) => {
      const container = new Container();
      await expect(
        (async () => container.load(mnemeModule({ aggregates: [Gate], commandTimeoutMs: value as number })))(),
      ).rejects.toThrow(InvalidConfigurationError);
    },
  );

  it.each([0, -5, Number.NaN, '10', {}])('refuses timeoutMs %p before anything is read', async (value) => {
    const bus = await busOn(new InMemoryEventStore());
    await expect(bus.execute(new Note('g-9', 'x'), { timeoutMs: value as number })).rejects.toThrow(
      InvalidConfigurationError,
    );
  });
});

class CounterState implements AggregateState<Noted> {
  notes: string[] = [];
  apply(event: Noted): this {
    this.notes.push(event.note);
    return this;
  }
}

class Wait implements Command<Noted, CounterState> {
  state = new CounterState();
  constructor(
    readonly id: string,
    readonly gate: Promise<string>,
  ) {}
  eventStreamId() {
    return `Counter-${this.id}`;
  }
  getState() {
    return this.state;
  }
  setState(state: CounterState) {
    this.state = state;
  }
  async handle() {
    return [new Noted(await this.gate)];
  }
}

describe('execute() timeouts', () => {
  it('fails with CommandTimeoutError and writes nothing decided after it', async () => {
    const store = new InMemoryEventStore();
    const late = gate();
    const error = await execute(new Wait('c-1', late.promise), store, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'MNEME_COMMAND_TIMEOUT',
      commandType: 'Wait',
      streamName: 'Counter-c-1',
      aggregateId: undefined,
      timeoutMs: 30,
    });
    late.open('late');
    await settle();
    expect(await notesIn(store, 'Counter-c-1')).toEqual([]);
  });

  it('retries conflicts until the timeout, not a count', async () => {
    const store = conflictingStore(new InMemoryEventStore(), { times: 40 });
    const result = await execute(new Wait('c-2', Promise.resolve('ok')), store, { timeoutMs: 10_000, maxDelayMs: 1 });
    expect(result.attempts).toBe(41);
  });

  it.each([0, -1, '5'])('refuses timeoutMs %p', async (value) => {
    await expect(
      execute(new Wait('c-3', Promise.resolve('x')), new InMemoryEventStore(), { timeoutMs: value as number }),
    ).rejects.toThrow(InvalidConfigurationError);
  });
});
