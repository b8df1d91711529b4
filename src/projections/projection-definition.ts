import {
  getProjectionMetadataChain,
  type Class,
  type CompetingStrategy,
  type ProjectionSource,
} from '../../decorators/index.js';
import { InvalidProjectionError } from '../errors/projection-errors.js';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';
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

/** A competing projection's group, its options resolved. */
export interface CompetingOptions {
  readonly group: string;
  readonly strategy: CompetingStrategy;
  readonly messageTimeoutMs: number;
}

const STRATEGIES: readonly CompetingStrategy[] = ['Pinned', 'RoundRobin', 'DispatchToSingle'];
const quoted = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/** What `@Projection` accepts; a typo (`strategey`) is refused with "did you mean". */
const PROJECTION_OPTIONS: OptionShape = {
  name: rule.string,
  from: rule.any, // checked by the decorator
  mode: rule.custom(quoted(['catch-up', 'competing']), (value) => value === 'catch-up' || value === 'competing'),
  group: rule.custom('a non-empty string', (value) => typeof value === 'string' && value.trim() !== ''),
  strategy: rule.custom(`one of ${quoted(STRATEGIES)}`, (value) => STRATEGIES.includes(value as CompetingStrategy)),
  messageTimeoutMs: rule.integer(1, 2 ** 31 - 1),
};

/** The group options only mean something in competing mode: given in catch-up mode they are a mistake. */
const COMPETING_ONLY = ['group', 'strategy', 'messageTimeoutMs'] as const;

function competingOptions(options: Record<string, unknown> & { name: string }): CompetingOptions | undefined {
  const path = `@Projection({ name: '${options.name}' })`;
  checkOptions(options, path, PROJECTION_OPTIONS);
  if (options.mode !== 'competing') {
    const stray = COMPETING_ONLY.find((key) => options[key] !== undefined);
    if (stray !== undefined)
      throw new InvalidProjectionError(
        options.name,
        `${stray} is an option of mode: 'competing'; add it or remove ${stray}`,
      );
    return undefined;
  }
  return Object.freeze({
    group: (options.group as string | undefined) ?? options.name,
    strategy: (options.strategy as CompetingStrategy | undefined) ?? 'Pinned',
    messageTimeoutMs: (options.messageTimeoutMs as number | undefined) ?? 30_000,
  });
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
  const competing = competingOptions(options as unknown as Record<string, unknown> & { name: string });
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
