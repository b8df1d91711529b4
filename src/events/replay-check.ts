import { classTransformer } from './class-transformer-loader.js';
import { describeValue } from '../errors/describe-value.js';
import { JsonProblem, toJsonObject } from './json-data.js';

interface Codec {
  readonly usesClassTransformer: boolean;
}

/**
 * How an event differs from the instance replay builds from its snapshot, as a message saying what
 * to add; undefined when they are equal. Run once per class, the first time it is serialized.
 */
export function findReplayDifference(
  codec: Codec,
  decided: object,
  replayed: object,
  root: string,
): string | undefined {
  if (!codec.usesClassTransformer) {
    let again: Record<string, unknown>;
    try {
      again = toJsonObject(replayed, 'refuse');
    } catch (error) {
      if (error instanceof JsonProblem) return `on replay, ${error.describe(root)}`;
      throw error;
    }
    return describeDifference(firstDifference(toJsonObject(decided, 'refuse'), again, root));
  }
  return (
    describeDifference(
      firstDifference(classTransformer().instanceToPlain(decided), classTransformer().instanceToPlain(replayed), root),
    ) ?? describeDifference(firstClassDifference(decided, replayed, root, new Set()))
  );
}

interface Difference {
  path: string;
  decided: unknown;
  replayed: unknown;
}

function describeDifference(difference: Difference | undefined): string | undefined {
  if (!difference) return undefined;
  const { path, decided, replayed } = difference;
  const field = path.replace(/^.*?\.([^.[\]]+)(\[\d+\])*$/, '$1');
  if (decided instanceof Date && !(replayed instanceof Date)) {
    return `${path} is a Date, but replay gives back ${describeValue(replayed)}: declare ${field} with @Type(() => Date) (from class-transformer)`;
  }
  if (
    typeof decided === 'object' &&
    decided !== null &&
    !Array.isArray(decided) &&
    Object.getPrototypeOf(decided) !== Object.prototype
  ) {
    const name = describeValue(decided).replace(/^an? /, '');
    return `${path} is a ${name}, but replay gives back ${describeValue(replayed)}: declare ${field} with @Type(() => ${name}) (from class-transformer)`;
  }
  return (
    `${path} is ${describeValue(decided)} when decided but ${describeValue(replayed)} on replay, which builds the ` +
    `event with new X() and then sets its stored fields: make the constructor work without arguments and store ` +
    `every field it computes`
  );
}

/** The first path where two plain forms differ (Dates compared by time, not as strings). */
function firstDifference(a: unknown, b: unknown, path: string): Difference | undefined {
  if (Object.is(a, b)) return undefined;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime()
      ? undefined
      : { path, decided: a, replayed: b };
  }
  if (
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  ) {
    return { path, decided: a, replayed: b };
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return { path, decided: a, replayed: b };
    for (let i = 0; i < a.length; i++) {
      const found = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
    if (left[key] === undefined && right[key] === undefined) continue;
    const found = firstDifference(left[key], right[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** The first field that is a class instance (or Date) when decided and something else on replay. */
function firstClassDifference(
  decided: unknown,
  replayed: unknown,
  path: string,
  seen: Set<object>,
): Difference | undefined {
  if (typeof decided !== 'object' || decided === null || replayed === undefined || seen.has(decided)) return undefined;
  seen.add(decided);
  const prototype: unknown = Object.getPrototypeOf(decided);
  const isPlain = prototype === Object.prototype || prototype === null || Array.isArray(decided);
  if (
    !isPlain &&
    (typeof replayed !== 'object' || replayed === null || Object.getPrototypeOf(replayed) !== prototype)
  ) {
    return { path, decided, replayed };
  }
  if (decided instanceof Date || typeof replayed !== 'object' || replayed === null) return undefined;
  for (const key of Object.keys(decided)) {
    const found = firstClassDifference(
      (decided as Record<string, unknown>)[key],
      (replayed as Record<string, unknown>)[key],
      Array.isArray(decided) ? `${path}[${key}]` : `${path}.${key}`,
      seen,
    );
    if (found) return found;
  }
  return undefined;
}
