import { getProjectionMetadataChain, type Class, type ProjectionSource } from '../../decorators/index.js';
import { InvalidProjectionError } from '../errors/projection-errors.js';
import { competingOptions, type CompetingOptions } from './competing-options.js';
import { storedTypeNames } from '../events/event-serializer.js';
import type { AllFilter, PositionedEvent } from '../store/event-store.js';

type OnMethod = (this: object, event: object, recorded: PositionedEvent) => unknown;

export interface ProjectionHandler {
  readonly event: Class;
  /** `Projection.method`, for messages. */
  readonly name: string;
  readonly method: OnMethod;
}

/** A projection class's decorators compiled: its name, what it reads, and a handler per stored type. */
export interface ProjectionDefinition {
  readonly type: Function;
  readonly name: string;
  readonly from: ProjectionSource;
  /** Stored event type name (each class's name and its aliases) -> handler. */
  readonly handlers: ReadonlyMap<string, ProjectionHandler>;
  /** The server-side filter: the categories' streams, or (for 'all') the handled event types. */
  readonly filter: AllFilter;
  /** Set for `mode: 'competing'`: the group the app instances share. Absent: catch-up. */
  readonly competing?: CompetingOptions;
}

const definitions = new WeakMap<Function, ProjectionDefinition>();

export function projectionDefinition(type: Function): ProjectionDefinition {
  let definition = definitions.get(type);
  if (!definition) {
    definition = compile(type);
    definitions.set(type, definition);
  }
  return definition;
}

function compile(type: Function): ProjectionDefinition {
  const chain = getProjectionMetadataChain(type);
  const options = chain.reduce<(typeof chain)[number]['options']>(
    (found, record) => record.options ?? found,
    undefined,
  );
  if (!options) {
    throw new InvalidProjectionError(
      type.name,
      `decorate the class with @Projection({ name: '${type.name}', from: { categories: [...] } })`,
    );
  }
  const competing = competingOptions(
    options,
    `@Projection({ name: '${options.name}' })`,
    (reason) => new InvalidProjectionError(options.name, reason),
  );
  const byMethod = new Map<string | symbol, Class>();
  for (const record of chain) for (const handler of record.handlers) byMethod.set(handler.method, handler.event);
  const prototype = type.prototype as Record<string | symbol, unknown>;
  const handlers = new Map<string, ProjectionHandler>();
  for (const [method, event] of byMethod) {
    const name = `${type.name}.${String(method)}`;
    const fn = prototype[method];
    if (typeof fn !== 'function')
      throw new InvalidProjectionError(options.name, `decorated member ${String(method)} is not a method`);
    // Events stored under an alias (a renamed type) reach the handler too, upcast, as they reach @Apply.
    const names = storedTypeNames(event);
    if (names.length === 0)
      throw new InvalidProjectionError(options.name, `${name} handles ${event.name}, which has no @EventType`);
    const other = handlers.get(names[0]!);
    if (other)
      throw new InvalidProjectionError(
        options.name,
        `both ${other.name} and ${name} are @On(${event.name}); an event needs one handler`,
      );
    for (const stored of names) handlers.set(stored, { event, name, method: fn as OnMethod });
  }
  if (handlers.size === 0)
    throw new InvalidProjectionError(options.name, 'it has no @On(Event) method, so it would never do anything');
  const filter: AllFilter =
    options.from === 'all'
      ? { eventTypePrefixes: [...handlers.keys()] }
      : { streamNamePrefixes: options.from.categories.map((category) => `${category}-`) };
  return { type, name: options.name, from: options.from, handlers, filter, ...(competing ? { competing } : {}) };
}
