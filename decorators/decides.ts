import 'reflect-metadata';
import { classLineage } from './class-lineage.js';
import type { AggregateClass, Class } from './class-types.js';
import { rejectStandardDecoratorCall } from './legacy-decorator-call.js';
import { DECIDER_KEY } from './metadata-keys.js';
import { InvalidDecoratorError } from '../src/errors/decorator-errors.js';

/** One aggregate a decision loads: its class and its id, e.g. `[BankAccount, cmd.fromId]`. */
export type AggregateRef<A extends object = object> = readonly [type: AggregateClass<A>, id: string];

/** The aggregates a command touches, by a key of the decider's choosing (`{ from: [...], to: [...] }`). */
export type AggregateRefs = Readonly<Record<string, AggregateRef>>;

/** What the decider method receives: each declared aggregate, loaded (a copy, as handlers get). */
export type LoadedAggregates<S extends AggregateRefs> = {
  readonly [K in keyof S]: S[K] extends AggregateRef<infer A> ? A : never;
};

/** What the decider method returns: the events for each key (one, a list, or nothing). Keys left out are only read. */
export type DecidedEvents<S extends AggregateRefs> = { readonly [K in keyof S]?: object | readonly object[] };

export interface DecidesOptions<C = object, S extends AggregateRefs = AggregateRefs> {
  /** The aggregates the command touches, computed from the command: `(cmd) => ({ from: [BankAccount, cmd.fromId], ... })`. */
  aggregates: (command: C) => S;
}

/**
 * A method decorator that accepts only methods taking the command and the loaded aggregates (a
 * supertype of each fits too), returning the events per key (or a promise of them).
 */
export type MethodDeciding<C, S extends AggregateRefs> = <
  M extends (
    command: C,
    aggregates: LoadedAggregates<S>,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any further parameters (the context) fit
    ...rest: any[]
  ) => DecidedEvents<S> | void | Promise<DecidedEvents<S> | void>,
>(
  prototype: object,
  method: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

export interface DeciderRecord {
  readonly command: Class;
  readonly method: string | symbol;
  readonly options: DecidesOptions;
}

/**
 * Marks a method of a decider class (listed in `mnemeModule({ deciders })`) as the decision for a
 * command that touches several aggregates: the bus loads every aggregate `aggregates` names, calls
 * the method with the command and them, and appends the events it returns for each key in one
 * atomic commit; the aggregates it leaves unchanged must still be where they were read.
 */
export function Decides<C extends object, const S extends AggregateRefs>(
  command: Class<C>,
  options: DecidesOptions<C, S>,
): MethodDeciding<C, S> {
  if (typeof command !== 'function') {
    throw new InvalidDecoratorError(
      '@Decides',
      `it needs the command class, got ${typeof command} (is the class imported before use?)`,
    );
  }
  const decorator = `@Decides(${command.name})`;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidDecoratorError(
      decorator,
      `it needs { aggregates: (cmd) => ({ key: [AggregateClass, id], ... }) }, got ${options === null ? 'null' : typeof options}`,
    );
  }
  if (typeof (options as { aggregates?: unknown }).aggregates !== 'function') {
    throw new InvalidDecoratorError(
      decorator,
      '{ aggregates } must be a function of the command, e.g. { aggregates: (cmd) => ({ from: [BankAccount, cmd.fromId] }) }',
    );
  }
  return function (prototype: object, method: string | symbol, descriptor: PropertyDescriptor) {
    rejectStandardDecoratorCall(decorator, arguments);
    if (typeof prototype === 'function') {
      throw new InvalidDecoratorError(
        decorator,
        'it goes on an instance method, not a static one',
        `${prototype.name}.${String(method)}`,
      );
    }
    if (typeof descriptor?.value !== 'function') {
      throw new InvalidDecoratorError(
        decorator,
        'it goes on a method, not on a field or an accessor',
        `${prototype.constructor.name}.${String(method)}`,
      );
    }
    ownRecords(prototype.constructor).push({ command, method, options: options as unknown as DecidesOptions });
  };
}

function ownRecords(target: Function): DeciderRecord[] {
  let records = Reflect.getOwnMetadata(DECIDER_KEY, target) as DeciderRecord[] | undefined;
  if (!records) {
    records = [];
    Reflect.defineMetadata(DECIDER_KEY, records, target);
  }
  return records;
}

/** The @Decides records of a decider class and its base classes (a subclass's record for a method replaces its base's). */
export function getDeciderRecords(decider: Function): DeciderRecord[] {
  const byMethod = new Map<string | symbol, DeciderRecord[]>();
  for (const c of [...classLineage(decider)].reverse()) {
    const own = Reflect.getOwnMetadata(DECIDER_KEY, c) as DeciderRecord[] | undefined;
    if (!own) continue;
    const mine = new Map<string | symbol, DeciderRecord[]>();
    for (const record of own) mine.set(record.method, [...(mine.get(record.method) ?? []), record]);
    for (const [method, records] of mine) byMethod.set(method, records);
  }
  return [...byMethod.values()].flat();
}
