/**
 * The commands an app's bus accepts and the events each can store, for the type checker only.
 * Empty by default: `bus.execute` then takes any object, since TypeScript cannot tell a command
 * class's instance from an object literal of the same shape. An app that augments it gets a bus
 * that refuses anything else at compile time, and results typed with each command's events:
 *
 *   declare module 'mneme' {
 *     interface CommandEventMap {
 *       Deposit: { command: Deposit; events: Deposited };
 *       Withdraw: { command: Withdraw; events: Withdrawn };
 *     }
 *   }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- users add to it by declaration merging
export interface CommandEventMap {}

type Registered = CommandEventMap[keyof CommandEventMap];
type NothingRegistered = [keyof CommandEventMap] extends [never] ? true : false;

/** A command the bus accepts: any object, or once `CommandEventMap` is augmented, a registered command. */
export type KnownCommand = NothingRegistered extends true
  ? object
  : Registered extends { command: infer C extends object }
    ? C
    : never;

/** The events a command can store: `object`, or its registered `events` (those of every entry its type matches). */
export type EventsOf<C> = NothingRegistered extends true
  ? object
  : Extract<Registered, { command: C }> extends { events: infer E extends object }
    ? E
    : object;
