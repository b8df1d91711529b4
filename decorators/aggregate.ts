import 'reflect-metadata';
import { classLineage, type AggregateClass, type Class } from './class-types.js';
import { AGGREGATE_KEY } from './metadata-keys.js';
import { checkSnapshotOptions, type SnapshotOptions } from './snapshot-options.js';

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
  const category = options?.category;
  if (typeof category !== 'string' || category.trim() === '' || category.includes('-')) {
    throw new TypeError(
      `@Aggregate({ category }) needs a non-empty category without '-' (KurrentDB takes a stream's category ` +
        `from the text before its first '-'); got ${JSON.stringify(category)}.`,
    );
  }
  return (target) => {
    if (options.snapshot !== undefined) checkSnapshotOptions(target, options.snapshot);
    ownRecord(target).options = Object.freeze({ ...options });
  };
}

/** Marks a method as the decider for a command class. */
export function Handles<C extends object>(command: Class<C>, options: HandlesOptions<C> = {}): MethodDecorator {
  if (typeof command !== 'function') throw new TypeError('@Handles(Command) needs the command class.');
  if (options.expects !== undefined && !['new', 'existing', 'any'].includes(options.expects)) {
    throw new TypeError(`@Handles(${command.name}, { expects }) must be 'new', 'existing' or 'any'.`);
  }
  return (prototype, method) => {
    ownRecord(prototype.constructor).handlers.push({ command, method, options: options as HandlesOptions });
  };
}

/** Marks a method as the state transition for an event class. */
export function Apply(event: Class): MethodDecorator {
  if (typeof event !== 'function') throw new TypeError('@Apply(Event) needs the event class.');
  return (prototype, method) => {
    ownRecord(prototype.constructor).appliers.push({ event, method });
  };
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
