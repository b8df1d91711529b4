/** A class Mneme can instantiate: events, commands and aggregates have no-argument-compatible constructors. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Class<T = object> = new (...args: any[]) => T;
/** Aggregates are built with `new Type()`: replay happens after construction. */
export type AggregateClass<T = object> = new () => T;

/** A class and its base classes, the class itself first (stops before Function.prototype). */
export function* classLineage(type: Function): Generator<Function> {
  for (let c: unknown = type; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    yield c as Function;
  }
}
