import { classTransformer } from '../events/class-transformer-loader.js';
import { onlyPrimitiveFields, primitivePlain, restorePrimitives } from './primitive-state.js';
import type { AggregateClass } from '../../decorators/index.js';
import { SnapshotStateError } from '../errors/snapshot-errors.js';
import { TOO_DEEP, findJsonProblem, isStackOverflow } from '../store/json-check.js';

/**
 * The aggregate's state as stored JSON, through class-transformer (so `@Exclude()` fields are left
 * out and `@Type` fields come back as their classes). Restores it at once and compares, so a state
 * that would not come back the same throws `SnapshotStateError` instead of being stored.
 */
export function captureState(aggregate: object): unknown {
  const type = aggregate.constructor as AggregateClass;
  let plain: Record<string, unknown>;
  try {
    plain = onlyPrimitiveFields(type, aggregate)
      ? primitivePlain(aggregate)
      : classTransformer().instanceToPlain(aggregate);
  } catch (error) {
    // class-transformer's walk is recursive: a state nested too deeply overflows the stack.
    if (isStackOverflow(error)) throw new SnapshotStateError(type.name, type.name, TOO_DEEP);
    throw error;
  }
  const problem = findJsonProblem(plain, type.name);
  if (problem) {
    const [path, reason] = splitProblem(problem);
    throw new SnapshotStateError(type.name, path, reason);
  }
  const json: unknown = JSON.parse(JSON.stringify(plain));
  const restored = restoreState(type, json);
  const mismatch = compare(aggregate, restored, plain, type.name);
  if (mismatch) throw new SnapshotStateError(type.name, mismatch.path, mismatch.reason);
  return json;
}

/** A new instance of `type` (its constructor runs, then class-transformer assigns the stored fields). */
export function restoreState<A extends object>(type: AggregateClass<A>, state: unknown): A {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new TypeError(
      `the stored state is ${state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state}, not an object`,
    );
  }
  if (onlyPrimitiveFields(type, state)) return restorePrimitives(type, state);
  return classTransformer().plainToInstance(type, state) as A;
}

interface Mismatch {
  path: string;
  reason: string;
}

/** Walks the original and the restored state along the keys class-transformer stored. */
function compare(original: unknown, restored: unknown, stored: unknown, path: string): Mismatch | undefined {
  if (typeof original !== 'object' || original === null) {
    if (Object.is(original, restored)) return undefined;
    return { path, reason: `${describe(original)} comes back as ${describe(restored)}` };
  }
  const sameClass =
    typeof restored === 'object' &&
    restored !== null &&
    Object.getPrototypeOf(restored) === Object.getPrototypeOf(original);
  if (!sameClass) {
    const hint =
      original instanceof Map || original instanceof Set
        ? 'use a plain object or an array'
        : `add @Type(() => ${original.constructor?.name ?? 'Object'})`;
    return { path, reason: `${describe(original)} comes back as ${describe(restored)} (${hint})` };
  }
  if (original instanceof Date) {
    return original.getTime() === (restored as Date).getTime() ||
      (Number.isNaN(original.getTime()) && Number.isNaN((restored as Date).getTime()))
      ? undefined
      : { path, reason: `the Date ${original.toISOString()} comes back as ${(restored as Date).toISOString()}` };
  }
  if (original instanceof Map || original instanceof Set) {
    const back = restored as Map<unknown, unknown> | Set<unknown>;
    if (back.size !== original.size)
      return { path, reason: `a ${original.constructor.name} of ${original.size} comes back with ${back.size}` };
    if (original instanceof Map) {
      for (const [key, value] of original) {
        const mismatch = compare(
          value,
          (back as Map<unknown, unknown>).get(key),
          undefined,
          `${path}.get(${JSON.stringify(key)})`,
        );
        if (mismatch) return mismatch;
      }
    }
    return undefined;
  }
  const keys = Array.isArray(original) ? original.keys() : Object.keys((stored ?? original) as object);
  for (const key of keys) {
    const child = (value: unknown) => (value as Record<string | number, unknown> | undefined)?.[key];
    const childPath = Array.isArray(original) ? `${path}[${key}]` : `${path}.${String(key)}`;
    const mismatch = compare(child(original), child(restored), child(stored), childPath);
    if (mismatch) return mismatch;
  }
  if (Array.isArray(original) && (restored as unknown[]).length !== original.length) {
    return { path, reason: `an array of ${original.length} comes back with ${(restored as unknown[]).length} items` };
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'object')
    return value.constructor === Object || !value.constructor ? 'a plain object' : `a ${value.constructor.name}`;
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}...` : value)}`;
  return typeof value === 'undefined' ? 'undefined' : `${typeof value} ${String(value)}`;
}

/** findJsonProblem's "path: reason". */
function splitProblem(problem: string): [string, string] {
  const at = problem.indexOf(': ');
  return at < 0 ? ['$', problem] : [problem.slice(0, at), problem.slice(at + 2)];
}
