import { typeMetadataOf, type TypeMetadata } from './class-transformer-metadata.js';
import { describeValue } from '../errors/describe-value.js';

/**
 * class-transformer converts what it can and passes the rest through (a number where a class is
 * expected stays a number, an unparseable date becomes an Invalid Date). This finds such a field
 * after conversion, so it is reported instead of reaching an applier. Undefined when all is well.
 */
export function findTypedFieldProblem(instance: object, type: Function, path: string): string | undefined {
  for (const metadata of typedFields(type)) {
    const value = (instance as Record<string, unknown>)[metadata.propertyName];
    if (value === undefined || value === null || metadata.options?.discriminator) continue;
    const expected = targetOf(metadata, instance);
    const fieldPath = `${path}.${metadata.propertyName}`;
    if (metadata.reflectedType === Array && !Array.isArray(value))
      return `${fieldPath}: expected an array, got ${describeValue(value)}`;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = checkOne(value[i], expected, `${fieldPath}[${i}]`);
        if (problem) return problem;
      }
    } else {
      const problem = checkOne(value, expected, fieldPath);
      if (problem) return problem;
    }
  }
  return undefined;
}

const cache = new WeakMap<Function, TypeMetadata[]>();

function typedFields(type: Function): TypeMetadata[] {
  let fields = cache.get(type);
  if (!fields) {
    fields = typeMetadataOf(type);
    cache.set(type, fields);
  }
  return fields;
}

function targetOf(metadata: TypeMetadata, instance: object): unknown {
  try {
    return metadata.typeFunction
      ? metadata.typeFunction({ newObject: instance, object: instance, property: metadata.propertyName })
      : metadata.reflectedType;
  } catch {
    return undefined;
  }
}

function checkOne(value: unknown, expected: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (expected === Date) {
    return value instanceof Date && !Number.isNaN(value.getTime()) ? undefined : `${path}: not a valid date`;
  }
  if (expected === Number) {
    return typeof value === 'number' && Number.isFinite(value) ? undefined : `${path}: not a number`;
  }
  if (
    typeof expected !== 'function' ||
    expected === String ||
    expected === Boolean ||
    expected === Object ||
    expected === Array
  ) {
    return undefined;
  }
  if (!(value instanceof expected)) return `${path}: expected a ${expected.name}, got ${describeValue(value)}`;
  return findTypedFieldProblem(value as object, expected, path);
}
