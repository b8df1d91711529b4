/** A class Mneme can instantiate: events, commands and aggregates have no-argument-compatible constructors. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Class<T = object> = new (...args: any[]) => T;
/** Aggregates are built with `new Type()`: replay happens after construction. */
export type AggregateClass<T = object> = new () => T;
