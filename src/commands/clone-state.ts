/**
 * A deep copy that keeps every object's prototype (class instances stay instances), Dates, Maps,
 * Sets, arrays and shared or cyclic references. Used so each retry starts from the same state.
 * `#private` fields cannot be copied by anyone: state classes should use ordinary fields.
 */
export function cloneState<T>(value: T): T {
  return copy(value, new Map()) as T;
}

function copy(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (value instanceof Date) return remember(seen, value, new Date(value.getTime()));
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof RegExp) {
    return remember(seen, value, structuredClone(value));
  }
  if (Array.isArray(value)) {
    const array: unknown[] = remember(seen, value, []);
    for (const item of value) array.push(copy(item, seen));
    return array;
  }
  if (value instanceof Map) {
    const map = remember(seen, value, new Map());
    for (const [k, v] of value) map.set(copy(k, seen), copy(v, seen));
    return map;
  }
  if (value instanceof Set) {
    const set = remember(seen, value, new Set());
    for (const item of value) set.add(copy(item, seen));
    return set;
  }
  const target = remember(seen, value, Object.create(Object.getPrototypeOf(value)) as Record<PropertyKey, unknown>);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    if ('value' in descriptor) descriptor.value = copy(descriptor.value, seen);
    Object.defineProperty(target, key, descriptor);
  }
  return target;
}

function remember<T>(seen: Map<object, unknown>, original: object, clone: T): T {
  seen.set(original, clone);
  return clone;
}
