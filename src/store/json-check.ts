/**
 * Finds what JSON cannot hold faithfully in `value`, explicitly, before any serializer sees it:
 * JSON.stringify throws on some of these, and class-transformer silently drops cycles.
 * Returns a path and reason (`"items[2].total: BigInt"`) or undefined when the value is fine.
 */
export function findJsonProblem(value: unknown, root = '$'): string | undefined {
  return visit(value, root, new Set());
}

function visit(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path}: ${value} is not a JSON number`;
    case 'bigint':
      return `${path}: BigInt is not JSON (store it as a string)`;
    case 'function':
      return `${path}: a function is not JSON`;
    case 'symbol':
      return `${path}: a symbol is not JSON`;
  }
  if (value === null || value instanceof Date) return undefined;
  const object = value as object;
  if (object instanceof Map || object instanceof Set) {
    return `${path}: a ${object.constructor.name} serializes as {} (use a plain object or an array)`;
  }
  if (ancestors.has(object)) return `${path}: a cycle (the value contains itself)`;
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const problem = visit(object[i], `${path}[${i}]`, ancestors);
        if (problem) return problem;
      }
    } else {
      for (const key of Object.keys(object)) {
        const problem = visit((object as Record<string, unknown>)[key], `${path}.${key}`, ancestors);
        if (problem) return problem;
      }
    }
    return undefined;
  } finally {
    ancestors.delete(object);
  }
}
