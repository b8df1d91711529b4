import { getAggregateMetadataChain, type AggregateClass, type Class, type HandlesOptions } from '../../decorators/index.js';
import { DuplicateHandlerError } from '../errors/command-errors.js';
import { InvalidAggregateError } from '../errors/aggregate-errors.js';

type Method = (this: object, arg: object) => unknown;

export interface HandlerDefinition {
  readonly aggregate: AggregateDefinition;
  readonly command: Class;
  /** `Aggregate.method`, for messages. */
  readonly name: string;
  readonly method: Method;
  readonly options: HandlesOptions;
}

/** An aggregate class's decorators compiled into lookup tables, once per class. */
export interface AggregateDefinition {
  readonly type: AggregateClass;
  readonly category: string | undefined;
  readonly appliers: ReadonlyMap<Function, Method>;
  readonly handlers: ReadonlyMap<Function, HandlerDefinition>;
}

const definitions = new WeakMap<Function, AggregateDefinition>();

/** The compiled definition of an aggregate class (base classes' handlers and appliers included). */
export function aggregateDefinition(type: Function): AggregateDefinition {
  let definition = definitions.get(type);
  if (!definition) {
    definition = compile(type as AggregateClass);
    definitions.set(type, definition);
  }
  return definition;
}

/** The applier for an event on an aggregate class; undefined when the aggregate ignores the event. */
export function applierFor(aggregateType: Function, eventType: Function): Method | undefined {
  return aggregateDefinition(aggregateType).appliers.get(eventType);
}

function compile(type: AggregateClass): AggregateDefinition {
  const chain = getAggregateMetadataChain(type);
  const prototype = type.prototype as Record<string | symbol, unknown>;
  const methodOf = (method: string | symbol): Method => {
    const fn = prototype[method];
    if (typeof fn !== 'function') {
      throw new InvalidAggregateError(type.name, `decorated member ${String(method)} is not a method`);
    }
    return fn as Method;
  };

  // A subclass re-decorating the same method replaces the base record; different methods add up.
  const handlerByMethod = new Map<string | symbol, { command: Class; options: HandlesOptions }>();
  const applierByMethod = new Map<string | symbol, Class>();
  let category: string | undefined;
  for (const record of chain) {
    category = record.options?.category ?? category;
    for (const handler of record.handlers) handlerByMethod.set(handler.method, handler);
    for (const applier of record.appliers) applierByMethod.set(applier.method, applier.event);
  }

  const appliers = new Map<Function, Method>();
  const applierNames = new Map<Function, string | symbol>();
  for (const [method, event] of applierByMethod) {
    const other = applierNames.get(event);
    if (other !== undefined) {
      throw new InvalidAggregateError(
        type.name,
        `both ${String(other)} and ${String(method)} are @Apply(${event.name}); an event needs exactly one applier`,
      );
    }
    applierNames.set(event, method);
    appliers.set(event, methodOf(method));
  }

  const handlers = new Map<Function, HandlerDefinition>();
  const definition: AggregateDefinition = { type, category, appliers, handlers };
  for (const [method, { command, options }] of handlerByMethod) {
    const existing = handlers.get(command);
    const name = `${type.name}.${String(method)}`;
    if (existing) throw new DuplicateHandlerError(command.name, [existing.name, name]);
    handlers.set(command, { aggregate: definition, command, name, method: methodOf(method), options });
  }
  return definition;
}

/** The aggregate's stream category; it must declare one with @Aggregate. */
export function categoryOf(definition: AggregateDefinition): string {
  if (!definition.category) {
    throw new InvalidAggregateError(
      definition.type.name,
      `it has no stream category: decorate it with @Aggregate({ category: '${definition.type.name}' })`,
    );
  }
  return definition.category;
}

/** `<category>-<id>`. */
export function streamNameFor(definition: AggregateDefinition, id: string): string {
  return `${categoryOf(definition)}-${id}`;
}
