import 'reflect-metadata';
import { classLineage } from './class-lineage.js';
import type { AggregateClass, Class, MethodTaking } from './class-types.js';
import { rejectStandardDecoratorCall } from './legacy-decorator-call.js';
import { AGGREGATE_KEY } from './metadata-keys.js';
import { checkSnapshotOptions, type SnapshotOptions } from './snapshot-options.js';
import { InvalidDecoratorError } from '../src/errors/decorator-errors.js';

export type ExpectedAggregateState = 'new' | 'existing' | 'any';

export interface HandlesOptions<C = object> {
  /** The aggregate id, computed from the command; overrides @AggregateId(). */
  id?: (command: C) => string;
  /** 'new': the stream must be empty; 'existing': it must not be; 'any' (default). */
  expects?: ExpectedAggregateState;
}

export interface AggregateOptions {
  /** Stream category: streams are named `<category>-<id>`. Stable: it is part of what is stored. */
  category: string;
  /** Store the state in a companion stream now and then, so loads replay only what follows it. */
  snapshot?: SnapshotOptions;
}

export interface HandlerRecord {
  readonly command: Class;
  readonly method: string | symbol;
  readonly options: HandlesOptions;
}

export interface ApplierRecord {
  readonly event: Class;
  readonly method: string | symbol;
}

/** What the decorators wrote on one aggregate class (its own members only; bases are merged on read). */
export interface AggregateMetadata {
  options?: AggregateOptions;
  readonly handlers: HandlerRecord[];
  readonly appliers: ApplierRecord[];
}

function ownRecord(target: Function): AggregateMetadata {
  let record = Reflect.getOwnMetadata(AGGREGATE_KEY, target) as AggregateMetadata | undefined;
  if (!record) {
    record = { handlers: [], appliers: [] };
    Reflect.defineMetadata(AGGREGATE_KEY, record, target);
  }
  return record;
}

/** Names the aggregate's stream category: streams are `<category>-<id>`. */
export function Aggregate(options: AggregateOptions): ClassDecorator {
  const category: unknown = typeof options === 'object' && options !== null ? options.category : undefined;
  if (typeof category !== 'string' || category.trim() === '' || category.includes('-')) {
    throw new InvalidDecoratorError(
      '@Aggregate',
      `it needs { category: '<Name>' }, a non-empty category without '-' (KurrentDB takes a stream's category ` +
        `from the text before its first '-'); got ${typeof category === 'string' ? JSON.stringify(category) : typeof category}`,
    );
  }
  return function (target) {
    rejectStandardDecoratorCall(`@Aggregate({ category: '${category}' })`, arguments);
    if (options.snapshot !== undefined) checkSnapshotOptions(target, options.snapshot);
    ownRecord(target).options = Object.freeze({ ...options });
  };
}

/** Marks a method as the decider for a command class. */
export function Handles<C extends object>(command: Class<C>, options: HandlesOptions<C> = {}): MethodTaking<C> {
  if (typeof command !== 'function') {
    throw new InvalidDecoratorError(
      '@Handles',
      `it needs the command class, got ${typeof command} (is the class imported before use?)`,
    );
  }
  const decorator = `@Handles(${command.name})`;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidDecoratorError(
      decorator,
      `its options must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  if (options.expects !== undefined && !['new', 'existing', 'any'].includes(options.expects)) {
    throw new InvalidDecoratorError(
      decorator,
      `{ expects } must be 'new', 'existing' or 'any', got ${String(options.expects)}`,
    );
  }
  if (options.id !== undefined && typeof options.id !== 'function') {
    throw new InvalidDecoratorError(
      decorator,
      '{ id } must be a function of the command, e.g. { id: (cmd) => cmd.accountId }',
    );
  }
  return function (prototype: object, method: string | symbol, descriptor: PropertyDescriptor) {
    rejectStandardDecoratorCall(decorator, arguments);
    checkMethod(decorator, prototype, method, descriptor);
    ownRecord(prototype.constructor).handlers.push({ command, method, options: options as HandlesOptions });
  };
}

/** Marks a method as the state transition for an event class. */
export function Apply<E extends object>(event: Class<E>): MethodTaking<E> {
  if (typeof event !== 'function') {
    throw new InvalidDecoratorError(
      '@Apply',
      `it needs the event class, got ${typeof event} (is the class imported before use?)`,
    );
  }
  return function (prototype: object, method: string | symbol, descriptor: PropertyDescriptor) {
    rejectStandardDecoratorCall(`@Apply(${event.name})`, arguments);
    checkMethod(`@Apply(${event.name})`, prototype, method, descriptor);
    ownRecord(prototype.constructor).appliers.push({ event, method });
  };
}

/** @Handles and @Apply go on instance methods: the engine calls them on an aggregate instance. */
function checkMethod(
  decorator: string,
  prototype: object,
  method: string | symbol,
  descriptor: PropertyDescriptor | undefined,
): void {
  if (typeof prototype === 'function') {
    throw new InvalidDecoratorError(
      decorator,
      'it goes on an instance method, not a static one',
      `${prototype.name}.${String(method)}`,
    );
  }
  if (typeof descriptor?.value !== 'function') {
    throw new InvalidDecoratorError(
      decorator,
      'it goes on a method, not on a field or an accessor',
      `${prototype.constructor.name}.${String(method)}`,
    );
  }
}

/** The records of `aggregate` and its base classes, base first. */
export function getAggregateMetadataChain(aggregate: AggregateClass | Function): AggregateMetadata[] {
  const chain: AggregateMetadata[] = [];
  for (const c of classLineage(aggregate)) {
    const record = Reflect.getOwnMetadata(AGGREGATE_KEY, c) as AggregateMetadata | undefined;
    if (record) chain.unshift(record);
  }
  return chain;
}
