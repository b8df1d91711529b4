import 'reflect-metadata';
import { InvalidEventSchemaError } from '../src/errors/decorator-errors.js';
import { rejectStandardDecoratorCall } from './legacy-decorator-call.js';

/** Turns one schema version's plain JSON into the next one's (plain JSON in, plain JSON out). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Upcaster = (data: any) => unknown;

export interface EventTypeOptions {
  /** The current schema version of the class (default 1); stored events record theirs. */
  version?: number;
  /** Stored type names the class used to have: still read, never written. */
  aliases?: readonly string[];
}

/** What `@EventType(name, options)` settles on once the options are checked. */
export interface EventSchema {
  readonly version: number;
  readonly aliases: readonly string[];
}

/** fromVersion -> static method name, the class's own @Upcast methods. */
const UPCASTERS_KEY = Symbol.for('mneme:upcasters');

function ownUpcasters(eventClass: Function): Map<number, string | symbol> {
  let record = Reflect.getOwnMetadata(UPCASTERS_KEY, eventClass) as Map<number, string | symbol> | undefined;
  if (!record) {
    record = new Map();
    Reflect.defineMetadata(UPCASTERS_KEY, record, eventClass);
  }
  return record;
}

/**
 * Marks a static method of an event class as the upcaster from schema version `fromVersion` to
 * `fromVersion + 1`. It receives the stored plain JSON and returns the next version's plain JSON,
 * before class-transformer sees it. Chains run in order (1 -> 2 -> 3).
 */
export function Upcast(fromVersion: number): MethodDecorator {
  return function (target, method) {
    rejectStandardDecoratorCall(`@Upcast(${String(fromVersion)})`, arguments);
    const owner = typeof target === 'function' ? target : target.constructor;
    if (typeof target !== 'function') {
      throw new InvalidEventSchemaError(
        owner.name,
        `@Upcast(${fromVersion}) is on the instance method ${String(method)}; make it static`,
      );
    }
    if (!Number.isSafeInteger(fromVersion) || fromVersion < 1) {
      throw new InvalidEventSchemaError(
        owner.name,
        `@Upcast(${String(fromVersion)}) on ${String(method)} needs a positive integer version`,
      );
    }
    const upcasters = ownUpcasters(target);
    const other = upcasters.get(fromVersion);
    if (other !== undefined && other !== method) {
      throw new InvalidEventSchemaError(
        owner.name,
        `both ${String(other)} and ${String(method)} are @Upcast(${fromVersion}); each version needs exactly one upcaster`,
      );
    }
    upcasters.set(fromVersion, method);
  };
}

/**
 * Checks @EventType's options against the class's upcasters (static member decorators run before
 * class decorators, so they are all known here): every step from 1 to the current version needs
 * one, and none may go past it.
 */
export function eventSchemaOf(eventClass: Function, name: string, options: EventTypeOptions | undefined): EventSchema {
  const fail = (reason: string) => new InvalidEventSchemaError(eventClass.name, reason, name);
  const version = options?.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1)
    throw fail(`version must be a positive integer, got ${String(version)}`);
  const aliases = options?.aliases ?? [];
  if (!Array.isArray(aliases)) throw fail('aliases must be an array of stored type names');
  for (const alias of aliases) {
    if (typeof alias !== 'string' || alias.trim() === '')
      throw fail(`alias ${JSON.stringify(alias)} is not a non-empty string`);
    if (alias === name) throw fail(`alias '${alias}' is the current name itself`);
  }
  if (new Set(aliases).size !== aliases.length) throw fail('an alias is listed twice');

  const upcasters = ownUpcasters(eventClass);
  for (const [from, method] of upcasters) {
    if (from >= version) {
      throw fail(
        `${String(method)} is @Upcast(${from}), but the current version is ${version}: upcasters go from older versions to newer ones`,
      );
    }
  }
  for (let from = 1; from < version; from++) {
    if (!upcasters.has(from)) {
      throw fail(
        `it is at version ${version} but has no upcaster from version ${from}: add a static method ` +
          `decorated @Upcast(${from}) that turns version-${from} data into version-${from + 1} data`,
      );
    }
  }
  return Object.freeze({ version, aliases: Object.freeze([...aliases]) });
}

/** The class's upcasters in order: index 0 upgrades version 1, index 1 version 2, and so on. */
export function getUpcasters(eventClass: Function, version: number): Upcaster[] {
  const upcasters = ownUpcasters(eventClass);
  const steps: Upcaster[] = [];
  for (let from = 1; from < version; from++) {
    const method = upcasters.get(from)!;
    const fn = (eventClass as unknown as Record<string | symbol, unknown>)[method];
    if (typeof fn !== 'function')
      throw new InvalidEventSchemaError(eventClass.name, `@Upcast(${from}) member ${String(method)} is not a method`);
    steps.push((fn as Upcaster).bind(eventClass));
  }
  return steps;
}
