import 'reflect-metadata';
import { classLineage } from './class-lineage.js';
import type { Class, MethodTaking } from './class-types.js';
import { rejectStandardDecoratorCall } from './legacy-decorator-call.js';
import { PROJECTION_KEY } from './metadata-keys.js';

/** Which part of the global log a projection reads: whole aggregate categories, or everything. */
export type ProjectionSource = { readonly categories: readonly string[] } | 'all';

/** How a consuming group shares its events among the app instances (KurrentDB's consumer strategies). */
export type CompetingStrategy = 'Pinned' | 'RoundRobin' | 'DispatchToSingle';

/** How a projection or process manager consumes: alone from its checkpoint, or shared by app instances. */
export interface ConsumerModeOptions {
  /**
   * `'catch-up'` (the default): every runner reads the whole log from its own checkpoint, one event
   * at a time in log order. `'competing'`: the runners of every app instance share the work through
   * a persistent subscription group the store keeps (the store must offer persistent subscriptions).
   */
  mode?: 'catch-up' | 'competing';
  /** Competing mode: the group's name. Default: the consumer's name. */
  group?: string;
  /** Competing mode: how the group shares events. Default `'Pinned'` (one stream's events to one instance, in order). */
  strategy?: CompetingStrategy;
  /**
   * Competing mode: an event not acked within this many ms goes to another delivery. Default
   * 30 000. Set when the group is created; an existing group keeps its own.
   */
  messageTimeoutMs?: number;
}

export interface ProjectionOptions extends ConsumerModeOptions {
  /** Stable: it names the projection's checkpoint. Renaming it rebuilds the projection from the start. */
  name: string;
  from: ProjectionSource;
}

/** Options of `@On` in a process manager (projections take none). */
export interface OnOptions {
  /** Picks the process instance the event is for; `undefined`: the event is not for this process manager. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any event class and envelope: a narrower type would refuse typed handlers
  processId?: (event: any, envelope: any) => string | undefined;
}

export interface OnRecord {
  readonly event: Class;
  readonly method: string | symbol;
  readonly options?: OnOptions;
}

/** What the decorators wrote on one projection class (its own members; bases are merged on read). */
export interface ProjectionMetadata {
  options?: ProjectionOptions;
  readonly handlers: OnRecord[];
}

function ownRecord(target: Function): ProjectionMetadata {
  let record = Reflect.getOwnMetadata(PROJECTION_KEY, target) as ProjectionMetadata | undefined;
  if (!record) {
    record = { handlers: [] };
    Reflect.defineMetadata(PROJECTION_KEY, record, target);
  }
  return record;
}

/** Makes a class a projection: its @On methods receive the events of `from`, in order. */
export function Projection(options: ProjectionOptions): ClassDecorator {
  const name = options?.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(`@Projection({ name }) needs a non-empty, stable name; got ${JSON.stringify(name)}.`);
  }
  const from = options.from;
  if (from !== 'all') {
    const categories: unknown = (from as { categories?: unknown } | undefined)?.categories;
    if (!Array.isArray(categories) || categories.length === 0) {
      throw new TypeError(`@Projection({ name: '${name}', from }) needs 'all' or { categories: ['Category', ...] }.`);
    }
    for (const category of categories) {
      if (
        typeof category !== 'string' ||
        category.trim() === '' ||
        category.includes('-') ||
        category.startsWith('$')
      ) {
        throw new TypeError(
          `@Projection({ name: '${name}' }): category ${JSON.stringify(category)} must be a non-empty aggregate ` +
            `category without '-' and not a system ('$') category.`,
        );
      }
    }
  }
  // The other options are checked where they are compiled (with "did you mean"), with the store's limits.
  const frozen = Object.freeze({
    ...options,
    name,
    from: from === 'all' ? 'all' : Object.freeze({ categories: Object.freeze([...from.categories]) }),
  });
  return function (target) {
    rejectStandardDecoratorCall(`@Projection({ name: '${name}' })`, arguments);
    ownRecord(target).options = frozen;
  };
}

/**
 * Marks a projection (or process manager) method as the handler of an event class:
 * `(event, recorded) => void | Promise<void>`. Process managers give `{ processId }`.
 */
export function On<E extends object>(event: Class<E>, options?: OnOptions): MethodTaking<E> {
  if (typeof event !== 'function') throw new TypeError('@On(Event) needs the event class.');
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new TypeError('@On(Event, options) takes an options object.');
  if (options?.processId !== undefined && typeof options.processId !== 'function') {
    throw new TypeError('@On(Event, { processId }) needs a function (event, envelope) => string | undefined.');
  }
  return function (prototype, method) {
    rejectStandardDecoratorCall(`@On(${event.name})`, arguments);
    ownRecord(prototype.constructor).handlers.push(
      options ? { event, method, options: Object.freeze({ ...options }) } : { event, method },
    );
  };
}

/** The records of `projection` and its base classes, base first. */
export function getProjectionMetadataChain(projection: Function): ProjectionMetadata[] {
  const chain: ProjectionMetadata[] = [];
  for (const c of classLineage(projection)) {
    const record = Reflect.getOwnMetadata(PROJECTION_KEY, c) as ProjectionMetadata | undefined;
    if (record) chain.unshift(record);
  }
  return chain;
}
