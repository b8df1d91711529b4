import { needsClassTransformer } from '../events/class-transformer-metadata.js';

/**
 * Whether class-transformer would only copy this state: its class (and bases) carry none of its
 * metadata and every own field holds a primitive (string, number, boolean, null or undefined), none
 * named `__proto__` or `constructor` (class-transformer skips the first and trips on the second).
 * Then the functions below give what `instanceToPlain` and `plainToInstance` give, without loading
 * class-transformer: an aggregate of primitive fields costs no extra start-up for its snapshots.
 */
export function onlyPrimitiveFields(type: Function, state: object): boolean {
  if (needsClassTransformer(type)) return false;
  const fields = state as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key === '__proto__' || key === 'constructor') return false;
    const value = fields[key];
    if (value !== null && typeof value === 'object') return false;
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return false;
  }
  return true;
}

/** `instanceToPlain` of such a state: each own field assigned as is. */
export function primitivePlain(state: object): Record<string, unknown> {
  const fields = state as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) plain[key] = fields[key];
  return plain;
}

/**
 * `plainToInstance(type, state)` of such a state: a new instance (its constructor runs), then each
 * stored field assigned, skipping those class-transformer skips: an accessor of the class's
 * prototype without a setter, a member that is a function on the instance.
 */
export function restorePrimitives<A extends object>(type: new () => A, state: object): A {
  const instance = new type() as Record<string, unknown>;
  const prototype = (instance.constructor as Function | undefined)?.prototype as object | undefined;
  const fields = state as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (prototype) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      if ((descriptor && !descriptor.set) || instance[key] instanceof Function) continue;
    }
    instance[key] = fields[key];
  }
  return instance as A;
}
