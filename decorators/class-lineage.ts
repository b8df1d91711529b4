/** A class and its base classes, the class itself first (stops before Function.prototype). */
export function* classLineage(type: Function): Generator<Function> {
  for (let c: unknown = type; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    yield c as Function;
  }
}
