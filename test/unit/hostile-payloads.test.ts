import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  EventDeserializationError,
  EventTooLargeError,
  EventType,
  Handles,
  InMemoryEventStore,
  InvalidConfigurationError,
  InvalidEventError,
  SnapshotStateError,
  StateNotCopyableError,
  Upcast,
  deserializeEvent,
  mnemeModule,
  type RecordedEvent,
} from 'mneme';
import { serializeEvent } from '../../src/events/event-serializer.js';
import { cloneState } from '../../src/repository/clone-state.js';
import { captureState } from '../../src/snapshots/snapshot-state.js';

const LEVELS = 100_000;
function nested(levels: number, kind: 'object' | 'array'): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

/** The error `call` throws or rejects with; a failure when it returns. */
async function failureOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('it did not fail');
}

@EventType('HostilePayload.Noted')
class Noted {
  constructor(readonly note: unknown = null) {}
}

@EventType('HostilePayload.Upcast', { version: 2 })
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- registered by @EventType, read below by its stored name
class Upcasted {
  @Upcast(1) static up(data: object) {
    return { ...data, v: 2 };
  }
  constructor(readonly note: unknown = null) {}
}

class Note {
  @AggregateId() id: string;
  constructor(
    id: string,
    readonly note: unknown,
  ) {
    this.id = id;
  }
}

@Aggregate({ category: 'HostilePayloadNotebook', snapshot: { every: 1, version: 1 } })
class Notebook extends AggregateRoot {
  notes: unknown[] = [];
  @Handles(Note) note(command: Note) {
    return new Noted(command.note);
  }
  @Apply(Noted) onNoted(event: Noted) {
    this.notes.push(event.note);
  }
}

const recorded = (type: string, data: unknown, metadata: Record<string, unknown> = {}): RecordedEvent => ({
  id: '00000000-0000-4000-8000-000000000000',
  streamName: 'Foreign-1',
  revision: 0n,
  type,
  data,
  metadata,
  createdAt: new Date(),
});

describe.each(['object', 'array'] as const)('a payload of %ss nested 100,000 deep', (kind) => {
  const deep = nested(LEVELS, kind);

  it('is an InvalidEventError from the serializer, naming the limit', async () => {
    const error = await failureOf(() => serializeEvent(new Noted(deep)));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).reason).toMatch(/nested more than 1000 levels deep/);
  });

  it('is an InvalidEventError from the store checks (the in-memory store)', async () => {
    const error = await failureOf(() =>
      new InMemoryEventStore().appendToStream('S-1', [{ type: 'T', data: { deep } }]),
    );
    expect(error).toBeInstanceOf(InvalidEventError);
  });

  it('fails a command that decides it with InvalidEventError, writing nothing', async () => {
    const store = new InMemoryEventStore();
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Notebook], eventStore: store }));
    const error = await failureOf(() => container.get(CommandBus).execute(new Note('n-1', deep)));
    expect(error).toBeInstanceOf(InvalidEventError);
    const stored = [];
    for await (const event of store.readStream('HostilePayloadNotebook-n-1')) stored.push(event);
    expect(stored).toEqual([]);
  });

  it('is an EventDeserializationError when another producer stored it, with or without upcasting', async () => {
    for (const read of [
      () => deserializeEvent(recorded('HostilePayload.Noted', { note: deep })),
      () => deserializeEvent(recorded('HostilePayload.Upcast', { note: deep }, { schemaVersion: 1 })),
    ]) {
      const error = await failureOf(read);
      expect(error).toBeInstanceOf(EventDeserializationError);
    }
  });

  it('is a StateNotCopyableError from the state copy, not a RangeError', async () => {
    expect(await failureOf(() => cloneState({ deep }))).toBeInstanceOf(StateNotCopyableError);
  });

  it('is a SnapshotStateError from the snapshot state, not a RangeError', async () => {
    const notebook = new Notebook();
    notebook.notes.push(deep);
    expect(await failureOf(() => captureState(notebook))).toBeInstanceOf(SnapshotStateError);
  });
});

describe('a payload nested within the limit', () => {
  it('round-trips through a command, the store, a snapshot and a fresh container', async () => {
    const note = nested(500, 'object');
    const store = new InMemoryEventStore();
    const first = new Container();
    first.load(mnemeModule({ aggregates: [Notebook], eventStore: store }));
    await first.get(CommandBus).execute(new Note('n-2', note));
    const fresh = new Container();
    fresh.load(mnemeModule({ aggregates: [Notebook], eventStore: store }));
    await fresh.get(CommandBus).execute(new Note('n-2', 'second'));
    const loaded = await fresh.get(AggregateRepository).load(Notebook, 'n-2');
    expect(loaded.notes).toEqual([note, 'second']);
  });
});

describe('InMemoryEventStore append size', () => {
  it('applies its maxAppendSize option, counting data and metadata as UTF-8 JSON and the type twice', async () => {
    const store = new InMemoryEventStore({ maxAppendSize: 100 });
    // '{"s":"…"}' is 8 bytes + the string; type 'T' counts 2; metadata '{"m":1}' 7.
    await store.appendToStream('S-1', [{ type: 'T', data: { s: 'x'.repeat(83) }, metadata: { m: 1 } }]); // 8 + 83 + 7 + 2 = 100
    const error = await failureOf(() =>
      store.appendToStream('S-1', [{ type: 'T', data: { s: 'é'.repeat(42) }, metadata: { m: 1 } }]),
    ); // 8 + 84 + 7 + 2
    expect(error).toBeInstanceOf(EventTooLargeError);
    expect(error).toMatchObject({ maxAppendSize: 100, streamName: 'S-1' });
    expect(store.maxAppendSize).toBe(100);
  });

  it('defaults to 1 MiB and can be turned off with Infinity', async () => {
    expect(new InMemoryEventStore().maxAppendSize).toBe(1024 * 1024);
    const unlimited = new InMemoryEventStore({ maxAppendSize: Number.POSITIVE_INFINITY });
    await unlimited.appendToStream('S-1', [{ type: 'T', data: { s: 'x'.repeat(2 * 1024 * 1024) } }]);
  });

  it.each([0, -1, 1.5, Number.NaN, '1024', null])('refuses maxAppendSize %p', (maxAppendSize) => {
    expect(() => new InMemoryEventStore({ maxAppendSize: maxAppendSize as number })).toThrow(InvalidConfigurationError);
  });

  it('refuses unknown options and non-objects', () => {
    expect(() => new InMemoryEventStore({ maxappendsize: 1 } as never)).toThrow(InvalidConfigurationError);
    expect(() => new InMemoryEventStore(5 as never)).toThrow(InvalidConfigurationError);
  });
});
