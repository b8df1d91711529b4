/** A class Mneme can instantiate: events, commands and aggregates have no-argument-compatible constructors. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Class<T = object> = new (...args: any[]) => T;
/** Aggregates are built with `new Type()`: replay happens after construction. */
export type AggregateClass<T = object> = new () => T;
/**
 * A method decorator that accepts only methods whose first parameter takes an `A` (a supertype of
 * `A` fits too): `@Handles(Deposit) withdraw(cmd: Withdraw)` fails to compile when the two classes
 * differ in shape. Structurally identical classes are one type to TypeScript and can't be told apart.
 */
export type MethodTaking<A> = <M extends (arg: A, ...rest: any[]) => unknown>( // eslint-disable-line @typescript-eslint/no-explicit-any
  prototype: object,
  method: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;
