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
  EventType,
  Handles,
  InMemoryEventStore,
  InvalidAggregateError,
  InvalidDecoratorError,
  MnemeError,
  mnemeModule,
  type AggregateClass,
} from 'mneme';

@EventType('Deco.Added')
class Added {
  constructor(readonly n = 0) {}
}
@EventType('Deco.Removed')
class Removed {
  constructor(readonly n = 0) {}
}
class Add {
  @AggregateId() id: string;
  constructor(id: string) {
    this.id = id;
  }
}
class Remove {
  @AggregateId() id: string;
  constructor(id: string) {
    this.id = id;
  }
}

async function busFor(...aggregates: AggregateClass<AggregateRoot>[]) {
  const container = new Container();
  container.load(mnemeModule({ aggregates }));
  return container.get(CommandBus);
}

function loadError(aggregates: unknown[]): unknown {
  try {
    new Container().load(mnemeModule({ aggregates: aggregates as AggregateClass<AggregateRoot>[] }));
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('stacked decorators', () => {
  @Aggregate({ category: 'Stacked' })
  class Stacked extends AggregateRoot {
    changes: number[] = [];
    @Handles(Add)
    @Handles(Remove)
    change(cmd: Add | Remove) {
      return cmd instanceof Add ? new Added(1) : new Removed(-1);
    }
    @Apply(Added)
    @Apply(Removed)
    onChange(e: Added | Removed) {
      this.changes.push(e.n);
    }
  }

  it('routes both commands of stacked @Handles to the method', async () => {
    const bus = await busFor(Stacked);
    expect((await bus.execute(new Add('s-1'))).events).toEqual([new Added(1)]);
    expect((await bus.execute(new Remove('s-1'))).events).toEqual([new Removed(-1)]);
  });

  it('applies both events of stacked @Apply', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('Stacked-s-2', [
      { type: 'Deco.Added', data: { n: 1 } },
      { type: 'Deco.Removed', data: { n: -1 } },
    ]);
    expect((await new AggregateRepository(store).load(Stacked, 's-2')).changes).toEqual([1, -1]);
  });

  it('lets a subclass re-decorating the method replace the base records', async () => {
    @Aggregate({ category: 'StackedChild' })
    class StackedChild extends Stacked {
      @Handles(Add) override change() {
        return new Added(2);
      }
    }
    const bus = await busFor(StackedChild);
    expect((await bus.execute(new Add('c-1'))).events).toEqual([new Added(2)]);
    await expect(bus.execute(new Remove('c-1'))).rejects.toMatchObject({ code: 'MNEME_HANDLER_NOT_FOUND' });
  });
});

describe('two @AggregateId() on one command class', () => {
  it('is an InvalidDecoratorError when the class is declared', () => {
    let error: unknown;
    try {
      class Twice {
        @AggregateId() a = '1';
        @AggregateId() b = '2';
      }
      void Twice;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidDecoratorError);
    expect(error).toMatchObject({ code: 'MNEME_INVALID_DECORATOR', decorator: '@AggregateId()', target: 'Twice.b' });
    expect((error as Error).message).toMatch(/already has @AggregateId\(\) on a/);
  });

  it('still lets a subclass mark its own id property', () => {
    class Base {
      @AggregateId() a = '1';
    }
    expect(() => {
      class Child extends Base {
        @AggregateId() b = '2';
      }
      return Child;
    }).not.toThrow();
  });
});

describe('async appliers', () => {
  it('are refused at load when declared async', () => {
    @Aggregate({ category: 'AsyncApply' })
    class AsyncApply extends AggregateRoot {
      @Handles(Add) add() {
        return new Added(1);
      }
      @Apply(Added) async onAdded() {}
    }
    const error = loadError([AsyncApply]);
    expect(error).toBeInstanceOf(InvalidAggregateError);
    expect((error as Error).message).toMatch(/onAdded is async/);
  });

  it('are refused at the first apply when they return a promise, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      @Aggregate({ category: 'PromiseApply' })
      class PromiseApply extends AggregateRoot {
        @Handles(Add) add() {
          return new Added(1);
        }
        @Apply(Added) onAdded() {
          return Promise.reject(new Error('applied later'));
        }
      }
      const store = new InMemoryEventStore();
      const container = new Container();
      container.load(mnemeModule({ aggregates: [PromiseApply], eventStore: store }));
      const error = await container
        .get(CommandBus)
        .execute(new Add('p-1'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidAggregateError);
      expect((error as Error).message).toMatch(/PromiseApply\.onAdded returned a promise/);
      expect(await store.readStream('PromiseApply-p-1')[Symbol.asyncIterator]().next()).toMatchObject({ done: true });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});

describe('classes listed as aggregates', () => {
  it('refuses one that does not extend AggregateRoot at load', () => {
    @Aggregate({ category: 'NotRoot' })
    class NotRoot {
      @Handles(Add) add() {}
    }
    const error = loadError([NotRoot]);
    expect(error).toBeInstanceOf(InvalidAggregateError);
    expect((error as Error).message).toMatch(/NotRoot .*does not extend AggregateRoot/);
  });

  it('refuses an applier for a class without @EventType at load', () => {
    class NotAnEvent {}
    @Aggregate({ category: 'NoEventType' })
    class NoEventType extends AggregateRoot {
      @Apply(NotAnEvent) on() {}
    }
    expect(loadError([NoEventType])).toBeInstanceOf(InvalidAggregateError);
  });
});

describe('decorator misuse', () => {
  const misuse: [string, () => unknown][] = [
    ['@EventType with an empty name', () => EventType('  ')],
    ['@Aggregate without options', () => Aggregate(undefined as never)],
    ['@Aggregate with a dash in the category', () => Aggregate({ category: 'bank-account' })],
    ['@Handles without a class', () => Handles(undefined as never)],
    ['@Handles with a bad expects', () => Handles(Add, { expects: 'maybe' as never })],
    ['@Handles with an id that is not a function', () => Handles(Add, { id: 'id' as never })],
    ['@Apply without a class', () => Apply(undefined as never)],
    [
      '@Apply on a field',
      () => {
        class OnField extends AggregateRoot {}
        Apply(Added)(OnField.prototype, 'field', undefined as never);
      },
    ],
    [
      '@Handles on a static method',
      () => {
        class OnStatic extends AggregateRoot {
          static handle() {}
        }
        Handles(Add)(OnStatic, 'handle', Object.getOwnPropertyDescriptor(OnStatic, 'handle')!);
      },
    ],
  ];

  it.each(misuse)('%s is an InvalidDecoratorError with a code', (_label, use) => {
    let error: unknown;
    try {
      use();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidDecoratorError);
    expect(MnemeError.is(error)).toBe(true);
    expect((error as MnemeError).code).toBe('MNEME_INVALID_DECORATOR');
  });
});

describe(AggregateRepository.name, () => {
  it.each([
    [
      'a class that does not extend AggregateRoot',
      () => new AggregateRepository(new InMemoryEventStore()).load(class Plain {} as never, 'x'),
    ],
    ['null given to save()', () => new AggregateRepository(new InMemoryEventStore()).save(null as never)],
    [
      'a plain object given to save()',
      () => new AggregateRepository(new InMemoryEventStore()).save({ id: 'x' } as never),
    ],
  ])('refuses %s with InvalidAggregateError', async (_label, call) => {
    await expect(call()).rejects.toBeInstanceOf(InvalidAggregateError);
  });
});
