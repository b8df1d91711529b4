import 'reflect-metadata';
import { DuplicateEventTypeError } from '../src/errors/event-errors.js';
import { InvalidDecoratorError } from '../src/errors/decorator-errors.js';
import type { Class } from './class-types.js';
import { EVENT_TYPE_KEY, EVENT_TYPE_REGISTRY_KEY } from './metadata-keys.js';
import { rejectStandardDecoratorCall } from './legacy-decorator-call.js';
import { eventSchemaOf, type EventTypeOptions } from './upcast.js';

export interface EventTypeMetadata {
  /** The stable stored type name, e.g. 'BankAccount.Deposited'. */
  readonly name: string;
  /** The current schema version (1 unless declared). */
  readonly version: number;
  /** Old stored names still read as this class. */
  readonly aliases: readonly string[];
}

/** One registry per process, shared by every copy of Mneme: stored type name -> event class. */
function registry(): Map<string, Class> {
  const holder = globalThis as unknown as Record<symbol, Map<string, Class> | undefined>;
  return (holder[EVENT_TYPE_REGISTRY_KEY] ??= new Map());
}

/**
 * Gives an event class its stable stored type name, independent of the class name, so the class
 * can be renamed or moved without touching stored events. `version` and `aliases`: see upcast.ts.
 */
export function EventType(name: string, options?: EventTypeOptions): ClassDecorator {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidDecoratorError(
      '@EventType',
      "it needs a non-empty stored type name, e.g. @EventType('BankAccount.Deposited')",
    );
  }
  return function (target) {
    rejectStandardDecoratorCall(`@EventType('${name}')`, arguments);
    const eventClass = target as unknown as Class;
    const { version, aliases } = eventSchemaOf(eventClass, name, options);
    const names = [name, ...aliases];
    for (const stored of names) {
      const existing = registry().get(stored);
      if (existing && existing !== eventClass)
        throw new DuplicateEventTypeError(stored, existing.name, eventClass.name);
    }
    const previous = getEventTypeMetadata(eventClass);
    if (previous) for (const stored of [previous.name, ...(previous.aliases ?? [])]) registry().delete(stored);
    Reflect.defineMetadata(EVENT_TYPE_KEY, Object.freeze({ name, version, aliases }), eventClass);
    for (const stored of names) registry().set(stored, eventClass);
  };
}

/** The class's own @EventType record (a subclass does not inherit its parent's stored name). */
export function getEventTypeMetadata(eventClass: Function): EventTypeMetadata | undefined {
  return Reflect.getOwnMetadata(EVENT_TYPE_KEY, eventClass) as EventTypeMetadata | undefined;
}

/** The class registered for a stored type name (its current name or one of its aliases). */
export function getEventClass(name: string): Class | undefined {
  return registry().get(name);
}
