/**
 * What InMemoryEventStore keeps of an appended event: frozen copies of its JSON and a createdAt that
 * cannot be changed, built once at append and handed out by every read.
 */

/** A stored event's time, shared by every read of it: a Date whose setters refuse to change it. */
export class StoredDate extends Date {}
for (const key of Object.getOwnPropertyNames(Date.prototype)) {
  if (!key.startsWith('set')) continue;
  Object.defineProperty(StoredDate.prototype, key, {
    value(this: Date): never {
      throw new TypeError(
        `Date.${key}: a stored event's createdAt cannot be changed (copy it first: new Date(recorded.createdAt))`,
      );
    },
  });
}
Object.freeze(StoredDate.prototype);

/**
 * What JSON.parse(JSON.stringify(value)) gives (validated as JSON before), frozen at every level.
 * Plain objects, arrays and primitives are copied directly; anything else (a Date, a toJSON) takes
 * the JSON round trip.
 */
export function frozenCopy(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object':
      break;
    default:
      return roundTrip(value);
  }
  if (value === null) return null;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) {
    const array = value as unknown[];
    const out = new Array<unknown>(array.length);
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      out[i] = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : frozenCopy(item);
    }
    return Object.freeze(out);
  }
  if (
    (prototype !== Object.prototype && prototype !== null) ||
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  )
    return roundTrip(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    // defineProperty: a '__proto__' key stays an own key, as JSON.parse makes it.
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: frozenCopy(field),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = frozenCopy(field);
  }
  return Object.freeze(out);
}

/**
 * An upper bound of the UTF-8 JSON size of everything plainFrozenCopy copied since the last
 * takeSizeBound(): counted during the copy, so that an append's size is only computed exactly when
 * it may be near the limit.
 */
let sizeBound = 0;

/** The bound accumulated since the last call (see sizeBound), and a fresh start. */
export function takeSizeBound(): number {
  const bound = sizeBound;
  sizeBound = 0;
  return bound;
}

/** The size KurrentDB counts for an event: its data and metadata as UTF-8 JSON, and its type twice (UTF-16). */
export function storedEventSize(type: string, data: unknown, metadata: unknown): number {
  const json = (value: unknown) => {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  };
  return json(data) + (metadata === undefined ? 0 : json(metadata)) + 2 * type.length;
}

export const EMPTY_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});
export const NOT_PLAIN = Symbol('not plain JSON');
/** Deeper values take the exact path (which also finds cycles). */
const MAX_PLAIN_DEPTH = 64;

/**
 * The frozen copy of plain JSON (plain objects and arrays of strings, finite numbers, booleans and
 * null; undefined fields dropped) in one walk, or NOT_PLAIN at the first thing that is anything
 * else: then the caller checks the value and copies it with frozenCopy. A value copied here is one
 * findJsonProblem accepts and frozenCopy copies the same way.
 */
export function plainFrozenCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      // At most 6 bytes per UTF-16 unit once escaped and encoded (\u001f), plus quotes and a separator.
      sizeBound += 6 * value.length + 8;
      return value;
    case 'boolean':
      sizeBound += 8;
      return value;
    case 'number':
      sizeBound += 32; // a JSON number is at most 24 characters
      return Number.isFinite(value) ? value : NOT_PLAIN;
    case 'object':
      break;
    default:
      return NOT_PLAIN;
  }
  sizeBound += 8;
  if (value === null) return null;
  if (depth >= MAX_PLAIN_DEPTH) return NOT_PLAIN;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) {
    const array = value as unknown[];
    const out = new Array<unknown>(array.length);
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      if (item === undefined) return NOT_PLAIN;
      const copy = plainFrozenCopy(item, depth + 1);
      if (copy === NOT_PLAIN) return NOT_PLAIN;
      out[i] = copy;
    }
    return Object.freeze(out);
  }
  if (prototype !== Object.prototype) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return NOT_PLAIN; // an inherited enumerable key: not a plain object
    if (key === '__proto__') return NOT_PLAIN;
    sizeBound += 6 * key.length + 8;
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    const copy = plainFrozenCopy(field, depth + 1);
    if (copy === NOT_PLAIN) return NOT_PLAIN;
    out[key] = copy;
  }
  return Object.freeze(out);
}

function roundTrip(value: unknown): unknown {
  const json = JSON.stringify(value);
  return json === undefined ? undefined : deepFreeze(JSON.parse(json) as unknown);
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
