import { InvalidConfigurationError } from '../errors/configuration-error.js';

/** A literal `{...}` (or `Object.create(null)`): not an array, a class instance, a string. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Rejects keys an options object does not know, suggesting the closest known one. */
export function checkKnownKeys(options: object, known: readonly string[], path: string): void {
  for (const key of Reflect.ownKeys(options)) {
    if (typeof key === 'string' && known.includes(key)) continue;
    const name = String(key);
    const suggestion = typeof key === 'string' ? closest(key, known) : undefined;
    throw new InvalidConfigurationError(
      `${path}.${name}`,
      `'${name}' is not an option${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; known options: ${known.join(', ')}`,
    );
  }
}

/** For messages: the type and, for short primitives, the value. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'an unknown class'}`;
  return `a ${typeof value}`;
}

function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance > Math.max(3, Math.floor(key.length / 3))) continue;
    // Ties go to the longer shared prefix: 'maxRetry' means 'maxRetries', not 'onRetry'.
    const score = distance - sharedPrefix(key, candidate) / 100;
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  return best;
}

function sharedPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
