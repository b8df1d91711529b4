import 'reflect-metadata';
import { DuplicateEventTypeError } from '../src/errors/event-errors.js';
import { InvalidDecoratorError } from '../src/errors/decorator-error.js';
import type { Class } from './class-types.js';
import { EVENT_TYPE_KEY, EVENT_TYPE_REGISTRY_KEY } from './metadata-keys.js';

export interface EventTypeMetadata {
  /** The stable stored type name, e.g. 'BankAccount.Deposited'. */
  readonly name: string;
}

/** One registry per process, shared by every copy of Mneme: stored type name -> event class. */
function registry(): Map<string, Class> {
  const holder = globalThis as unknown as Record<symbol, Map<string, Class> | undefined>;
  return (holder[EVENT_TYPE_REGISTRY_KEY] ??= new Map());
}

/**
 * Gives an event class its stable stored type name, independent of the class name, so the class
 * can be renamed or moved without touching stored events.
 */
export function EventType(name: string): ClassDecorator {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidDecoratorError('@EventType', "it needs a non-empty stored type name, e.g. @EventType('BankAccount.Deposited')");
  }
  return (target) => {
    const eventClass = target as unknown as Class;
    const existing = registry().get(name);
    if (existing && existing !== eventClass) {
      throw new DuplicateEventTypeError(name, existing.name, eventClass.name);
    }
    const previous = getEventTypeMetadata(eventClass);
    if (previous && previous.name !== name) registry().delete(previous.name);
    Reflect.defineMetadata(EVENT_TYPE_KEY, Object.freeze({ name }), eventClass);
    registry().set(name, eventClass);
  };
}

/** The class's own @EventType record (a subclass does not inherit its parent's stored name). */
export function getEventTypeMetadata(eventClass: Function): EventTypeMetadata | undefined {
  return Reflect.getOwnMetadata(EVENT_TYPE_KEY, eventClass) as EventTypeMetadata | undefined;
}

/** The class registered for a stored type name. */
export function getEventClass(name: string): Class | undefined {
  return registry().get(name);
}
