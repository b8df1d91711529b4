import {
  getAggregateMetadataChain,
  getEventTypeMetadata,
  type AggregateClass,
  type Class,
  type HandlesOptions,
} from '../../decorators/index.js';
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

export interface ApplierDefinition {
  /** `Aggregate.method`, for messages. */
  readonly name: string;
  readonly method: Method;
}

/** An aggregate class's decorators compiled into lookup tables, once per class. */
export interface AggregateDefinition {
  readonly type: AggregateClass;
  readonly category: string | undefined;
  readonly appliers: ReadonlyMap<Function, ApplierDefinition>;
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
export function applierFor(aggregateType: Function, eventType: Function): ApplierDefinition | undefined {
  return aggregateDefinition(aggregateType).appliers.get(eventType);
}

const AsyncFunction = (async () => undefined).constructor;
const GeneratorFunction = function* () {}.constructor;
const AsyncGeneratorFunction = async function* () {}.constructor;

/**
 * A subclass re-decorating a method replaces the base's records for that method; different methods
 * add up, and one method can carry several records (stacked decorators).
 */
function byMethod<R extends { readonly method: string | symbol }>(chain: readonly (readonly R[])[]): R[] {
  const merged = new Map<string | symbol, R[]>();
  for (const records of chain) {
    const own = new Map<string | symbol, R[]>();
    for (const record of records) own.set(record.method, [...(own.get(record.method) ?? []), record]);
    for (const [method, list] of own) merged.set(method, list);
  }
  return [...merged.values()].flat();
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
  let category: string | undefined;
  for (const record of chain) category = record.options?.category ?? category;

  const appliers = new Map<Function, ApplierDefinition>();
  for (const { method, event } of byMethod(chain.map((record) => record.appliers))) {
    const name = `${type.name}.${String(method)}`;
    const other = appliers.get(event);
    if (other?.name === name) continue; // the same @Apply(E) twice on one method
    if (other) {
      throw new InvalidAggregateError(
        type.name,
        `both ${other.name.slice(type.name.length + 1)} and ${String(method)} are @Apply(${event.name}); an event needs exactly one applier`,
      );
    }
    if (!getEventTypeMetadata(event)) {
      throw new InvalidAggregateError(
        type.name,
        `${String(method)} is @Apply(${event.name}), but ${event.name} has no @EventType, so no event can ever reach it: ` +
          `decorate ${event.name} with @EventType('Stable.Name'), or apply the @EventType class itself`,
      );
    }
    const fn = methodOf(method);
    if (fn instanceof AsyncFunction || fn instanceof GeneratorFunction || fn instanceof AsyncGeneratorFunction) {
      throw new InvalidAggregateError(
        type.name,
        `@Apply method ${String(method)} is ${fn instanceof AsyncFunction ? 'async' : 'a generator'}: appliers must be ` +
          `synchronous functions (state is evolved event by event during replay); do the asynchronous work in the @Handles method`,
      );
    }
    appliers.set(event, { name, method: fn });
  }

  const handlers = new Map<Function, HandlerDefinition>();
  const definition: AggregateDefinition = { type, category, appliers, handlers };
  for (const { method, command, options } of byMethod(chain.map((record) => record.handlers))) {
    const existing = handlers.get(command);
    const name = `${type.name}.${String(method)}`;
    if (existing?.name === name) continue; // the same @Handles(C) twice on one method
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
