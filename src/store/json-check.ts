/**
 * How deeply objects and arrays may nest in what Mneme stores or copies (events, metadata, states).
 * Deeper values are refused with a typed error: every walk over them is recursive, and a value
 * nested deeply enough would overflow the stack (a raw RangeError) wherever it is read.
 */
export const MAX_JSON_DEPTH = 1000;

/** The reason given for a value nested deeper than MAX_JSON_DEPTH. */
export const TOO_DEEP = `nested more than ${MAX_JSON_DEPTH} levels deep (store flatter data)`;

/** A RangeError from a recursion too deep for the stack: what a hostile value causes in a walk. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/**
 * Finds what JSON cannot hold faithfully in `value`, explicitly, before any serializer sees it:
 * JSON.stringify throws on some of these, and class-transformer silently drops cycles.
 * Returns a path and reason (`"items[2].total: BigInt"`) or undefined when the value is fine.
 */
export function findJsonProblem(value: unknown, root = '$'): string | undefined {
  const problem = visit(value, []);
  return problem && `${root}${problem.path}: ${problem.reason}`;
}

/** The path is built while the walk unwinds from a problem: a value without one allocates no strings. */
interface Problem {
  path: string;
  readonly reason: string;
}

function visit(value: unknown, ancestors: object[]): Problem | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path: '', reason: `${value} is not a JSON number` };
    case 'bigint':
      return { path: '', reason: 'BigInt is not JSON (store it as a string)' };
    case 'function':
      return { path: '', reason: 'a function is not JSON' };
    case 'symbol':
      return { path: '', reason: 'a symbol is not JSON' };
  }
  if (value === null || value instanceof Date) return undefined;
  const object = value as object;
  if (object instanceof Map || object instanceof Set) {
    return { path: '', reason: `a ${object.constructor.name} serializes as {} (use a plain object or an array)` };
  }
  if (ancestors.length >= MAX_JSON_DEPTH) return { path: '', reason: TOO_DEEP };
  // The path from the root: short, so a list is cheaper than a Set.
  if (ancestors.includes(object)) return { path: '', reason: 'a cycle (the value contains itself)' };
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const problem = visit(object[i], ancestors);
        if (problem) {
          problem.path = `[${i}]${problem.path}`;
          return problem;
        }
      }
    } else {
      const keys = Object.keys(object);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        const problem = visit((object as Record<string, unknown>)[key], ancestors);
        if (problem) {
          problem.path = `.${key}${problem.path}`;
          return problem;
        }
      }
    }
    return undefined;
  } finally {
    ancestors.pop();
  }
}
