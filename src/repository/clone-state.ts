import { types } from 'node:util';
import { StateNotCopyableError } from '../errors/aggregate-errors.js';
import { isStackOverflow } from '../store/json-check.js';

/**
 * A deep copy for execute(): each attempt starts from the same state. Keeps every prototype (class
 * instances stay instances; Map, Set, Array, Date, RegExp, Error, typed array and Buffer subclasses
 * stay what they were), property descriptors, frozen or sealed objects, and shared or cyclic
 * references. Refuses, naming the path, what cannot be copied faithfully: functions, Proxies,
 * instances of classes with `#private` fields (URL among them), and built-ins holding hidden state
 * (WeakMap, Promise, ...).
 */
export function cloneState<T>(value: T): T {
  try {
    return copy(value, 'state', new Map()) as T;
  } catch (error) {
    // A state nested deeper than the stack allows (a hostile or runaway structure): a typed error.
    if (isStackOverflow(error))
      throw new StateNotCopyableError('state', 'it is nested more deeply than the stack allows a copy to walk');
    throw error;
  }
}

type Seen = Map<object, unknown>;

function copy(value: unknown, path: string, seen: Seen): unknown {
  if (typeof value === 'function') {
    throw new StateNotCopyableError(
      path,
      `it is a function${value.name ? ` (${value.name})` : ''}, and a copy would still act on the original state`,
    );
  }
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (types.isProxy(value))
    throw new StateNotCopyableError(path, 'it is a Proxy, whose behaviour a copy cannot reproduce');
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) checkClasses(prototype, path);

  if (Array.isArray(value)) {
    const array = adopt(seen, value, new Array<unknown>(value.length), prototype, Array.prototype);
    if (prototype === Array.prototype && Object.keys(value).length === value.length) {
      for (let i = 0; i < value.length; i++) array[i] = copy(value[i], `${path}[${i}]`, seen);
      return finish(value, array);
    }
    return copyOwn(value, array, path, seen, (key) => key === 'length');
  }
  if (types.isMap(value)) {
    const map = adopt(seen, value, new Map(), prototype, Map.prototype);
    let i = 0;
    for (const [k, v] of value as Map<unknown, unknown>) {
      map.set(copy(k, `${path}.keys()[${i}]`, seen), copy(v, `${path}.get(${describeKey(k, i)})`, seen));
      i++;
    }
    return copyOwn(value, map, path, seen);
  }
  if (types.isSet(value)) {
    const set = adopt(seen, value, new Set(), prototype, Set.prototype);
    let i = 0;
    for (const item of value as Set<unknown>) set.add(copy(item, `${path}.values()[${i++}]`, seen));
    return copyOwn(value, set, path, seen);
  }
  if (types.isDate(value)) {
    return copyOwn(
      value,
      adopt(seen, value, new Date((value as Date).getTime()), prototype, Date.prototype),
      path,
      seen,
    );
  }
  if (types.isRegExp(value)) {
    const regexp = adopt(seen, value, new RegExp(value as RegExp), prototype, RegExp.prototype);
    return copyOwn(value, regexp, path, seen);
  }
  if (types.isNativeError(value)) {
    return copyOwn(value, adopt(seen, value, new Error(), prototype, Error.prototype), path, seen);
  }
  if (types.isTypedArray(value)) {
    const base = typedArrayBase(value);
    // A copy of the view's bytes only (not of a whole pooled Buffer), keeping the exact prototype.
    const typed = adopt(seen, value, new base(value as never), prototype, base.prototype);
    // Listing a large array's own keys is costly: only subclasses can add fields worth copying.
    if (prototype === base.prototype || prototype === Buffer.prototype) return finish(value, typed);
    return copyOwn(value, typed, path, seen, isIndexKey);
  }
  if (types.isArrayBuffer(value)) {
    return copyOwn(
      value,
      adopt(seen, value, (value as ArrayBuffer).slice(0), prototype, ArrayBuffer.prototype),
      path,
      seen,
    );
  }
  if (types.isDataView(value)) {
    const view = value as DataView;
    const clone = new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
    return copyOwn(value, adopt(seen, value, clone, prototype, DataView.prototype), path, seen);
  }
  if (types.isBoxedPrimitive(value)) {
    if (types.isNumberObject(value) || types.isStringObject(value) || types.isBooleanObject(value)) {
      const boxed = adopt(
        seen,
        value,
        Object((value as Number).valueOf()) as object,
        prototype,
        Object.getPrototypeOf(Object((value as Number).valueOf())) as object,
      );
      return copyOwn(value, boxed, path, seen, types.isStringObject(value) ? isIndexOrLength : undefined);
    }
    throw new StateNotCopyableError(
      path,
      `it is a boxed ${typeof (value as BigInt).valueOf()}, which cannot be copied faithfully`,
    );
  }
  const target = adopt(seen, value, Object.create(prototype) as object, prototype, prototype);
  return copyOwn(value, target, path, seen);
}

/** Registers the clone before its contents are copied (for cycles) and gives it the original's prototype. */
function adopt<T extends object>(
  seen: Seen,
  original: object,
  clone: T,
  prototype: object | null,
  clonePrototype: object | null,
): T {
  if (prototype !== clonePrototype) Object.setPrototypeOf(clone, prototype);
  seen.set(original, clone);
  return clone;
}

/** Copies own properties (descriptors kept, values deep-copied), then the original's frozen/sealed state. */
function copyOwn<T extends object>(
  original: object,
  target: T,
  path: string,
  seen: Seen,
  skip?: (key: string | symbol) => boolean,
): T {
  const isArray = Array.isArray(original);
  for (const key of Reflect.ownKeys(original)) {
    if (skip?.(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(original, key)!;
    if ('value' in descriptor) descriptor.value = copy(descriptor.value, childPath(path, key, isArray), seen);
    Object.defineProperty(target, key, descriptor);
  }
  return finish(original, target);
}

function finish<T extends object>(original: object, target: T): T {
  if (Object.isExtensible(original)) return target;
  if (Object.isFrozen(original)) return Object.freeze(target);
  if (Object.isSealed(original)) return Object.seal(target);
  return Object.preventExtensions(target);
}

function childPath(path: string, key: string | symbol, isArray: boolean): string {
  if (typeof key === 'symbol') return `${path}[${key.toString()}]`;
  if (isArray && isIndexKey(key)) return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeKey(key: unknown, index: number): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'boolean') return String(key);
  return `<key ${index}>`;
}

function isIndexKey(key: string | symbol): boolean {
  return typeof key === 'string' && /^(0|[1-9]\d*)$/.test(key);
}

function isIndexOrLength(key: string | symbol): boolean {
  return key === 'length' || isIndexKey(key);
}

type TypedArrayConstructor = new (source: ArrayLike<number> | ArrayLike<bigint>) => ArrayBufferView;

const TYPED_ARRAYS: readonly TypedArrayConstructor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as unknown as TypedArrayConstructor[];

const TYPED_ARRAY_BY_NAME = new Map(TYPED_ARRAYS.map((base) => [base.name, base]));

/** The built-in typed array a value is, by its brand (which holds across realms, unlike instanceof). */
function typedArrayBase(value: object): TypedArrayConstructor {
  return TYPED_ARRAY_BY_NAME.get(Object.prototype.toString.call(value).slice(8, -1)) ?? Uint8Array;
}

/** Built-ins whose instances this copy reproduces; by name, so a built-in of another realm counts too. */
const SUPPORTED_BUILTINS = new Set<string>([
  'Object',
  'Array',
  'Map',
  'Set',
  'Date',
  'RegExp',
  'ArrayBuffer',
  'DataView',
  'Number',
  'String',
  'Boolean',
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
  'AggregateError',
  'TypedArray',
  ...TYPED_ARRAY_BY_NAME.keys(),
]);

const verdicts = new WeakMap<object, string | null>();

/**
 * Checks every class on the prototype chain once: one declaring `#private` fields (their values
 * live outside the object, so no copy can carry them) or a built-in with hidden state is refused.
 */
function checkClasses(prototype: object, path: string): void {
  for (
    let p: object | null = prototype;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    let verdict = verdicts.get(p);
    if (verdict === undefined) {
      verdict = classProblem(p);
      verdicts.set(p, verdict);
    }
    if (verdict) throw new StateNotCopyableError(path, verdict);
  }
}

function classProblem(prototype: object): string | null {
  const ctor = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value as unknown;
  if (typeof ctor !== 'function') return null;
  let source: string;
  try {
    source = Function.prototype.toString.call(ctor);
  } catch {
    return null;
  }
  const name = ctor.name || 'an anonymous class';
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    if (SUPPORTED_BUILTINS.has(ctor.name)) return null;
    return `it is a ${name}, a built-in object whose hidden state a copy cannot carry`;
  }
  if (hasPrivateMembers(source)) {
    return `it is a ${name}, a class with #private fields, which no copy can carry (use ordinary fields)`;
  }
  return null;
}

/** `#name` outside strings and comments, or TypeScript's down-levelled private fields. */
function hasPrivateMembers(source: string): boolean {
  if (source.includes('__classPrivateField')) return true;
  const code = source.replace(/(["'`])(?:\\[\s\S]|(?!\1)[^\\])*\1|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '""');
  return /#[A-Za-z_$]/.test(code);
}
