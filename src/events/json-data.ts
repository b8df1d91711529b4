/**
 * One walk that both validates what JSON can hold and produces the plain copy that is stored: the
 * snapshot of an event taken when it is decided. Nothing the walk returns is shared with its input.
 */

import { MAX_JSON_DEPTH, TOO_DEEP } from '../store/json-check.js';

/** Keys that would change prototypes or shadow `constructor` when set on an object. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a value cannot be stored; `path` is filled in while the walk unwinds (cheap on success). */
export class JsonProblem {
  path = '';
  constructor(readonly reason: string) {}
  /** From findJsonProblem's `"<path>: <reason>"` (its root given as ''). */
  static at(found: string): JsonProblem {
    const colon = found.indexOf(': ');
    const problem = new JsonProblem(found.slice(colon + 2));
    problem.path = found.slice(0, colon);
    return problem;
  }
  describe(root: string): string {
    return `${root}${this.path}: ${this.reason}`;
  }
}

export type DateHandling = 'refuse' | 'iso-string';

/**
 * The plain JSON copy of an object's own enumerable fields (its class is not kept). Throws
 * `JsonProblem` for what JSON cannot hold faithfully, and, with dates `'refuse'`, for Dates and
 * class instances, which replay could not give back (no `@Type` to say what they were).
 */
export function toJsonObject(object: object, dates: DateHandling): Record<string, unknown> {
  return copyFields(object, dates, []);
}

/** `ancestors` is the path from the root: short, so a list is cheaper than a Set. */
function copyFields(object: object, dates: DateHandling, ancestors: object[]): Record<string, unknown> {
  if (ancestors.length >= MAX_JSON_DEPTH) throw new JsonProblem(TOO_DEEP);
  if (ancestors.includes(object)) throw new JsonProblem('a cycle (the value contains itself)');
  ancestors.push(object);
  const out: Record<string, unknown> = {};
  let key = '';
  try {
    for (key of Object.keys(object)) {
      if (UNSAFE_KEYS.has(key)) {
        throw new JsonProblem(`a field named '${key}' is dropped on replay (it could change prototypes): rename it`);
      }
      const field = (object as Record<string, unknown>)[key];
      const value =
        typeof field === 'string' || typeof field === 'boolean' ? field : copyValue(field, dates, ancestors);
      if (value !== undefined) out[key] = value;
    }
  } catch (problem) {
    if (problem instanceof JsonProblem) problem.path = `.${key}${problem.path}`;
    throw problem;
  }
  ancestors.pop();
  return out;
}

function copyArray(array: readonly unknown[], dates: DateHandling, ancestors: object[]): unknown[] {
  if (ancestors.length >= MAX_JSON_DEPTH) throw new JsonProblem(TOO_DEEP);
  if (ancestors.includes(array)) throw new JsonProblem('a cycle (the value contains itself)');
  ancestors.push(array);
  const out = new Array<unknown>(array.length);
  let i = 0;
  try {
    for (; i < array.length; i++) out[i] = copyValue(array[i], dates, ancestors) ?? null; // as JSON does
  } catch (problem) {
    if (problem instanceof JsonProblem) problem.path = `[${i}]${problem.path}`;
    throw problem;
  }
  ancestors.pop();
  return out;
}

function copyValue(value: unknown, dates: DateHandling, ancestors: object[]): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw new JsonProblem(`${value} is not a JSON number`);
    case 'bigint':
      throw new JsonProblem('BigInt is not JSON (store it as a string)');
    case 'function':
      throw new JsonProblem('a function is not JSON');
    case 'symbol':
      throw new JsonProblem('a symbol is not JSON');
  }
  if (value === null) return null;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) return copyFields(value as object, dates, ancestors);
  if (prototype === Array.prototype) return copyArray(value as unknown[], dates, ancestors);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new JsonProblem('an invalid Date');
    if (dates === 'iso-string') return value.toISOString();
    throw new JsonProblem(
      'a Date, which JSON stores as a string, so replay would give back a string: declare the field with ' +
        '@Type(() => Date) (from class-transformer) or store an ISO string',
    );
  }
  if (value instanceof Map || value instanceof Set) {
    throw new JsonProblem(`a ${value.constructor.name} serializes as {} (use a plain object or an array)`);
  }
  const name = (prototype as { constructor?: { name?: string } }).constructor?.name || 'class instance';
  throw new JsonProblem(
    `a ${name}, which replay would give back as a plain ${Array.isArray(value) ? 'array' : 'object'}: declare the ` +
      `field with @Type(() => ${name}) (from class-transformer) or store plain data`,
  );
}

/**
 * A copy of stored JSON data, without `__proto__`, `constructor` or `prototype` keys at any depth
 * (another producer may have written them; JSON.parse makes them own keys). Only plain objects and
 * arrays are copied; anything else is kept as it is.
 */
export function safeJsonCopy(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_JSON_DEPTH) throw new JsonProblem(TOO_DEEP);
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = safeJsonCopy(value[i], depth + 1);
    return out;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!UNSAFE_KEYS.has(key)) out[key] = safeJsonCopy((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}
