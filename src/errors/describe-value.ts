/**
 * A short, safe description of any value for error messages: never throws (BigInt, cycles,
 * Object.create(null) and Proxies included), never prints more than a few dozen characters.
 */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
      case 'bigint':
        return `${value}n (a BigInt)`;
      case 'symbol':
        return `${value.toString()} (a symbol)`;
      case 'function':
        return value.name ? `a function (${value.name})` : 'a function';
      case 'undefined':
        return 'undefined';
      case 'number':
      case 'boolean':
        return String(value);
    }
    if (value === null) return 'null';
    if (Array.isArray(value)) return `an array (length ${value.length})`;
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === null) return 'an object with no prototype';
    if (prototype === Object.prototype) return 'a plain object';
    const name = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object';
  } catch {
    return 'an object that cannot be inspected';
  }
}
