import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { describeValue } from '../errors/describe-value.js';

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

/**
 * What one option must be. `expected` is said in the message ("expected an integer >= 1, got -1");
 * `test` decides; a rule with `shape` is a nested options object, checked key by key.
 */
export interface OptionRule {
  readonly expected: string;
  readonly test?: (value: unknown) => boolean;
  readonly shape?: OptionShape;
}

/** The options an object knows, each with its rule. An option given as `undefined` means its default. */
export type OptionShape = Readonly<Record<string, OptionRule>>;

const range = (min: number, max: number | undefined) => (max === undefined ? `>= ${min}` : `from ${min} to ${max}`);

/** The rules every options object is checked with. */
export const rule = {
  /** A safe integer >= min (and <= max). */
  integer: (min: number, max?: number): OptionRule => ({
    expected: `an integer ${range(min, max)}`,
    test: (value) =>
      Number.isSafeInteger(value) && (value as number) >= min && (max === undefined || (value as number) <= max),
  }),
  /** A number >= min (and <= max): NaN never is; Infinity is only without a max. */
  number: (min: number, max?: number): OptionRule => ({
    expected: `a number ${range(min, max)}`,
    test: (value) => typeof value === 'number' && value >= min && (max === undefined || value <= max),
  }),
  string: { expected: 'a string', test: (value) => typeof value === 'string' } as OptionRule,
  boolean: { expected: 'true or false', test: (value) => typeof value === 'boolean' } as OptionRule,
  function: { expected: 'a function', test: (value) => typeof value === 'function' } as OptionRule,
  array: { expected: 'an array', test: (value) => Array.isArray(value) } as OptionRule,
  /** Checked elsewhere (by its own resolver, or at bind time): only the name is known here. */
  any: { expected: 'anything', test: () => true } as OptionRule,
  /** A nested options object. */
  object: (shape: OptionShape, expected = 'an options object'): OptionRule => ({ expected, shape }),
  /** Anything else: a test and the words for what it accepts. */
  custom: (expected: string, test: (value: unknown) => boolean): OptionRule => ({ expected, test }),
};

/**
 * Checks an options object before anything runs: a plain object, only known keys (a typo is refused
 * with "did you mean"), and each option given of its rule. Throws `InvalidConfigurationError` whose
 * `option` is the path of the culprit (`projectionRunner.handlerRetry.maxRetries`). `path` '' is the
 * top level, whose options are named bare (mnemeModule's `retry`, `telemetry`...); `topLevel` names
 * the object itself and its unknown keys (`mnemeModule.agregates`).
 */
export function checkOptions(
  value: unknown,
  path: string,
  shape: OptionShape,
  expected = 'an options object',
  topLevel = 'options',
): asserts value is object {
  if (!isPlainObject(value))
    throw new InvalidConfigurationError(path || topLevel, `expected ${expected}, got ${describeValue(value)}`);
  const known = keysOf(shape);
  checkKnownKeys(value, known, path || topLevel);
  for (const key of known) {
    const given = value[key];
    if (given !== undefined) checkOption(given, optionPath(path, key), shape[key]!);
  }
}

/** A shape's keys, listed once: commands check their options on every call. */
const shapeKeys = new WeakMap<OptionShape, readonly string[]>();
function keysOf(shape: OptionShape): readonly string[] {
  let keys = shapeKeys.get(shape);
  if (keys === undefined) shapeKeys.set(shape, (keys = Object.keys(shape)));
  return keys;
}

/** Checks one option's value against its rule (see `checkOptions`). */
export function checkOption(value: unknown, path: string, expect: OptionRule): void {
  if (expect.shape) return checkOptions(value, path, expect.shape, expect.expected);
  if (expect.test && !expect.test(value))
    throw new InvalidConfigurationError(path, `expected ${expect.expected}, got ${describeValue(value)}`);
}

/** `retry` + `maxRetries` → `retry.maxRetries`; at the top level just the key. */
function optionPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Words users reach for that name the same idea as an option with another name. */
const SAME_IDEA: readonly (readonly string[])[] = [['maxRetries', 'maxAttempts', 'retries', 'attempts']];

function closest(key: string, known: readonly string[]): string | undefined {
  const synonyms = SAME_IDEA.find((words) => words.includes(key));
  const synonym = synonyms && known.find((candidate) => synonyms.includes(candidate));
  if (synonym !== undefined) return synonym;
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

/**
 * A value with a callable `then`: what `await` would wait on (user code that returned a promise).
 * A `then` getter that throws (a hostile Proxy) answers false instead of throwing here.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  try {
    return (
      (typeof value === 'object' || typeof value === 'function') &&
      value !== null &&
      typeof (value as PromiseLike<unknown>).then === 'function'
    );
  } catch {
    return false;
  }
}
