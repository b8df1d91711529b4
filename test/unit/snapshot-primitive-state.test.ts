import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Exclude, instanceToPlain, plainToInstance } from 'class-transformer';
import fc from 'fast-check';
import { onlyPrimitiveFields, primitivePlain, restorePrimitives } from '../../src/snapshots/primitive-state.js';

class Base {
  get computed(): string {
    return 'from the base';
  }
}

/** Members class-transformer treats specially: a getter without a setter, an accessor pair, a method, a function field. */
class Account extends Base {
  owner = '';
  balance = 0;
  open = false;
  note: string | null = null;
  later: number | undefined = undefined;
  callback = () => 'a function field';
  #secret = 1;
  get label(): string {
    return `${this.owner}:${this.#secret}`;
  }
  get size(): number {
    return this.balance;
  }
  set size(value: number) {
    this.balance = value;
  }
  describe(): string {
    return this.owner;
  }
}

class WithExclude {
  @Exclude() hidden = 'x';
  shown = 1;
}

const primitive = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
/** Keys that collide with Account's members, the keys class-transformer skips, and any others. */
const key = fc.oneof(
  fc.constantFrom('owner', 'balance', 'open', 'note', 'later', 'callback', 'label', 'size', 'describe', 'computed'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
  fc.string({ minLength: 1, maxLength: 8 }),
);
/** A stored state as JSON.parse gives it back (so `__proto__` is an own key). */
const storedState = fc
  .array(fc.tuple(key, primitive), { maxLength: 12 })
  .map((entries) => JSON.parse(JSON.stringify(Object.fromEntries(entries))) as Record<string, unknown>);

/** What `run` gives, or the kind of error it throws (class-transformer and the copy must agree on both). */
function outcome(run: () => unknown): unknown {
  try {
    const value = run() as object;
    // Its prototype and fields; a function field by kind only (each instance makes its own).
    const fields = Object.entries(value).map(([name, field]) => [
      name,
      typeof field === 'function' ? 'function' : field,
    ]);
    return { prototype: Object.getPrototypeOf(value) as unknown, fields };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

describe('snapshot state of primitive fields without class-transformer', () => {
  it('restores what plainToInstance restores, for any stored primitive fields', () => {
    fc.assert(
      fc.property(storedState, (state) => {
        expect(onlyPrimitiveFields(Account, state)).toBe(
          !Object.keys(state).some((k) => k === '__proto__' || k === 'constructor'),
        );
        if (!onlyPrimitiveFields(Account, state)) return;
        expect(outcome(() => restorePrimitives(Account, state))).toEqual(
          outcome(() => plainToInstance(Account, state)),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('captures what instanceToPlain captures, for any primitive fields on an instance', () => {
    fc.assert(
      fc.property(storedState, (fields) => {
        // Own fields, whatever the class's members are called (as a state's fields may shadow them).
        const account = new Account();
        Reflect.deleteProperty(account, 'callback');
        for (const [name, value] of Object.entries(fields))
          Object.defineProperty(account, name, { value, enumerable: true, writable: true, configurable: true });
        if (!onlyPrimitiveFields(Account, account)) return;
        const expected = instanceToPlain(account);
        const actual = primitivePlain(account);
        expect(actual).toEqual(expected);
        expect(Object.keys(actual)).toEqual(Object.keys(expected));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves to class-transformer a class with its decorators, and fields holding objects, functions or bigints', () => {
    expect(onlyPrimitiveFields(WithExclude, new WithExclude())).toBe(false);
    expect(onlyPrimitiveFields(Account, new Account())).toBe(false); // callback is a function field
    expect(onlyPrimitiveFields(Object, { at: new Date() })).toBe(false);
    expect(onlyPrimitiveFields(Object, { list: [1] })).toBe(false);
    expect(onlyPrimitiveFields(Object, { big: 1n })).toBe(false);
    expect(onlyPrimitiveFields(Object, { name: 'a', count: 1, on: true, none: null, unset: undefined })).toBe(true);
  });
});
