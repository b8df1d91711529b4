import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  Aggregate,
  AggregateId,
  AggregateRoot,
  Apply,
  EventType,
  Handles,
  InvalidDecoratorError,
  On,
  Projection,
  Upcast,
} from 'mneme';

@EventType('DecoratorTypes.Opened')
class Opened {
  constructor(
    readonly id: string,
    readonly owner: string,
  ) {}
}
@EventType('DecoratorTypes.Deposited')
class Deposited {
  constructor(
    readonly id: string,
    readonly amount: number,
  ) {}
}
class Open {
  @AggregateId() id = '';
  owner = '';
}
class Deposit {
  @AggregateId() id = '';
  amount = 0;
}

/**
 * Compile-time checks, run by `npm run typecheck` (this file is part of the program): each
 * `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused.
 * The classes are declared inside a function that never runs, so only the types matter here.
 */
export function wrongPairingsFailToCompile(): void {
  @Aggregate({ category: 'DecoratorTypesWrong' })
  class Wrong extends AggregateRoot {
    // @ts-expect-error the handler of Open must take an Open
    @Handles(Open) open(cmd: Deposit) {
      return new Opened(cmd.id, '');
    }

    // @ts-expect-error the applier of Deposited must take a Deposited
    @Apply(Deposited) onDeposited(event: Opened) {
      void event;
    }

    // @ts-expect-error a handler taking a narrower type than the command (here: with more fields) does not fit
    @Handles(Deposit) narrower(cmd: Deposit & { note: string }) {
      return new Deposited(cmd.id, cmd.note.length);
    }

    // A supertype of the command, or the command itself, fits.
    @Handles(Deposit) deposit(cmd: { id: string }) {
      return new Deposited(cmd.id, 1);
    }
    @Apply(Opened) onOpened(_event: Opened) {}
  }

  @Projection({ name: 'decorator-types', from: 'all' })
  class WrongProjection {
    // @ts-expect-error the handler of Deposited must take a Deposited
    @On(Deposited) deposited(event: Opened) {
      void event;
    }

    @On(Opened) opened(_event: Opened, _recorded: unknown) {}
  }
  void [Wrong, WrongProjection];
}

/** What a decorator receives when the compiler emits standard (TC39) decorators. */
const standardContext = (kind: string, name: string) => ({
  kind,
  name,
  static: false,
  private: false,
  addInitializer: () => undefined,
  metadata: {},
});

describe('decorators called the standard (TC39) way, without experimentalDecorators', () => {
  const calls: [string, () => unknown][] = [
    [
      '@Handles',
      () =>
        (Handles(Open) as unknown as (value: unknown, context: unknown) => void)(
          () => undefined,
          standardContext('method', 'open'),
        ),
    ],
    [
      '@Apply',
      () =>
        (Apply(Opened) as unknown as (value: unknown, context: unknown) => void)(
          () => undefined,
          standardContext('method', 'onOpened'),
        ),
    ],
    [
      '@AggregateId',
      () =>
        (AggregateId() as unknown as (value: unknown, context: unknown) => void)(
          undefined,
          standardContext('field', 'id'),
        ),
    ],
    [
      '@Aggregate',
      () =>
        (Aggregate({ category: 'Tc39' }) as unknown as (value: unknown, context: unknown) => void)(
          class {},
          standardContext('class', 'Tc39'),
        ),
    ],
    [
      '@EventType',
      () =>
        (EventType('Tc39.Happened') as unknown as (value: unknown, context: unknown) => void)(
          class {},
          standardContext('class', 'Happened'),
        ),
    ],
    [
      '@Upcast',
      () =>
        (Upcast(1) as unknown as (value: unknown, context: unknown) => void)(
          () => undefined,
          standardContext('method', 'up'),
        ),
    ],
  ];

  for (const [name, call] of calls) {
    it(`${name} throws InvalidDecoratorError naming experimentalDecorators, emitDecoratorMetadata and the runtimes`, () => {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(InvalidDecoratorError.is(thrown)).toBe(true);
      const message = (thrown as Error).message;
      expect(message).toContain(name);
      expect(message).toContain('"experimentalDecorators": true');
      expect(message).toContain('"emitDecoratorMetadata": true');
      expect(message).toMatch(/tsx.*esbuild/);
      expect(message).toContain('swc');
    });
  }

  it('leaves legacy calls alone (the decorators above still register)', () => {
    expect(() => {
      @Aggregate({ category: 'DecoratorTypesLegacy' })
      class Legacy extends AggregateRoot {
        @Handles(Open) open(cmd: Open) {
          return new Opened(cmd.id, cmd.owner);
        }
        @Apply(Opened) onOpened(_event: Opened) {}
      }
      return Legacy;
    }).not.toThrow();
  });
});
