import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Type } from 'class-transformer';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  EventType,
  Handles,
  InMemoryEventStore,
  InvalidAggregateError,
  SnapshotStateError,
  mnemeModule,
  snapshotStreamName,
  type SnapshotOptions,
} from 'mneme';
import { collect } from '../support/collect.js';

@EventType('PolicyTest.Noted')
class Noted {
  constructor(readonly text: string) {}
}

class Note {
  @AggregateId() id: string;
  constructor(id: string) {
    this.id = id;
  }
}

const declare = (snapshot: unknown) => () => {
  @Aggregate({ category: 'PolicyTest', snapshot: snapshot as SnapshotOptions })
  class Declared extends AggregateRoot {}
  return Declared;
};

describe('@Aggregate({ snapshot })', () => {
  it('refuses a policy that could never work when the class is decorated', () => {
    for (const bad of [
      { every: 0, version: 1 },
      { every: 2.5, version: 1 },
      { every: 10, version: 0 },
      { every: 10 },
      { version: 1 },
      { every: 10, when: () => true, version: 1 },
      { when: 'always', version: 1 },
      null,
    ]) {
      expect(declare(bad)).toThrow(InvalidAggregateError);
    }
    expect(declare({ every: 0, version: 1 })).toThrow(/every must be a positive integer/);
  });

  it('accepts { every, version } and { when, version }', () => {
    expect(declare({ every: 100, version: 1 })).not.toThrow();
    expect(declare({ when: () => false, version: 3 })).not.toThrow();
  });
});

class Child {
  constructor(readonly n = 1) {}
}

/** Builds a noting aggregate whose state is `fields`, with or without a snapshot policy. */
function notebook(
  category: string,
  snapshot: SnapshotOptions | undefined,
  init: (self: Record<string, unknown>) => void,
) {
  @Aggregate({ category, ...(snapshot ? { snapshot } : {}) })
  class Notebook extends AggregateRoot {
    constructor() {
      super();
      init(this as unknown as Record<string, unknown>);
    }
    @Handles(Note) note() {
      return new Noted('x');
    }
    @Apply(Noted) onNoted() {
      (this as unknown as Record<string, unknown>).touchedAt = new Date(0);
    }
  }
  return Notebook;
}

/** container.load is synchronous in inversify 8: a module's errors surface from it. */
const load = (aggregate: Function) => (): unknown =>
  new Container().load(mnemeModule({ aggregates: [aggregate as never] }));
const thrownBy = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('snapshot state', () => {
  it('rejects at container.load an aggregate whose state cannot come back from a snapshot', async () => {
    const withMap = notebook('WithMap', { every: 1, version: 1 }, (self) => {
      self.index = new Map([['a', 1]]);
    });
    const error = thrownBy(load(withMap));
    expect(error).toBeInstanceOf(SnapshotStateError);
    expect(error).toMatchObject({ code: 'MNEME_SNAPSHOT_STATE', aggregateType: 'Notebook', path: 'Notebook.index' });
    expect((error as Error).message).toMatch(/a Map comes back as a plain object \(use a plain object or an array\)/);

    const withBigInt = notebook('WithBigInt', { every: 1, version: 1 }, (self) => {
      self.total = 1n;
    });
    expect(thrownBy(load(withBigInt))).toMatchObject({
      path: 'Notebook.total',
      reason: expect.stringContaining('BigInt'),
    });

    const withChild = notebook('WithChild', { every: 1, version: 1 }, (self) => {
      self.child = new Child();
    });
    expect(load(withChild)).toThrow(
      /Notebook.child: a Child comes back as a plain object \(add @Type\(\(\) => Child\)\)/,
    );
  });

  it('accepts the same fields on an aggregate without a snapshot policy', async () => {
    const withMap = notebook('NoPolicy', undefined, (self) => {
      self.index = new Map();
    });
    expect(load(withMap)).not.toThrow();
  });

  it('rejects, before anything is written, the save that would snapshot a Date without @Type', async () => {
    const late = notebook('LateDate', { every: 2, version: 1 }, () => undefined);
    const store = new InMemoryEventStore();
    const container = new Container();
    container.load(mnemeModule({ aggregates: [late], eventStore: store }));
    const bus = container.get(CommandBus);
    await bus.execute(new Note('n-1')); // revision 0: no snapshot due yet
    const error = await bus.execute(new Note('n-1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotStateError);
    expect(error).toMatchObject({ path: 'Notebook.touchedAt' });
    expect((error as Error).message).toMatch(
      /a Date comes back as the string "1970-01-01T00:00:00.000Z" \(add @Type\(\(\) => Date\)\)/,
    );
    expect(await collect(store.readStream('LateDate-n-1'))).toHaveLength(1);
    expect(await collect(store.readStream(snapshotStreamName('LateDate', 'n-1')))).toEqual([]);
  });

  it('round-trips nested classes and Dates declared with @Type', async () => {
    class Dated {
      @Type(() => Date) at = new Date(5);
    }
    const typed = notebook('Typed', { every: 1, version: 1 }, (self) => {
      self.dated = new Dated();
    });
    Type(() => Dated)(typed.prototype, 'dated');
    Type(() => Date)(typed.prototype, 'touchedAt');
    const store = new InMemoryEventStore();
    const container = new Container();
    container.load(mnemeModule({ aggregates: [typed], eventStore: store }));
    await container.get(CommandBus).execute(new Note('t-1'));
    const loaded = (await container.get(AggregateRepository).load(typed, 't-1')) as unknown as Record<string, unknown>;
    expect(loaded.dated).toBeInstanceOf(Dated);
    expect(loaded.touchedAt).toEqual(new Date(0));
    expect(await collect(store.readStream(snapshotStreamName('Typed', 't-1')))).toHaveLength(1);
  });
});

describe('AggregateRepository({ snapshots: false })', () => {
  it('neither writes nor reads snapshots', async () => {
    const plain = notebook('NoSnapshots', { every: 1, version: 1 }, () => undefined);
    Type(() => Date)(plain.prototype, 'touchedAt');
    const store = new InMemoryEventStore();
    const repository = new AggregateRepository(store, { snapshots: false });
    const notebookInstance = await repository.load(plain, 'p-1');
    notebookInstance.raise(new Noted('a'));
    await repository.save(notebookInstance);
    expect(await collect(store.readStream(snapshotStreamName('NoSnapshots', 'p-1')))).toEqual([]);
    expect((await repository.load(plain, 'p-1')).revision).toBe(0n);
  });
});
