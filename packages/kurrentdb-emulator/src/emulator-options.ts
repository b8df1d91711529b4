/**
 * Checks `startKurrentEmulator`'s options before anything starts, the way Mneme checks its own
 * (known keys with "did you mean", a rule per option), without importing Mneme: the emulator stands
 * alone. Every failure is an `InvalidEmulatorOptionError` naming the option.
 */
import { InvalidEmulatorOptionError } from './emulator-errors.js';

interface OptionRule {
  /** Said in the message: "expected an integer from 0 to 65535, got -1". */
  readonly expected: string;
  readonly test: (value: unknown) => boolean;
}

const integer = (min: number, max?: number): OptionRule => ({
  expected: max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`,
  test: (value) =>
    Number.isSafeInteger(value) && (value as number) >= min && (max === undefined || (value as number) <= max),
});
const boolean: OptionRule = { expected: 'true or false', test: (value) => typeof value === 'boolean' };

/** A host name or an IP address (IPv6 bare or in brackets): nothing a connection string would split on. */
const host: OptionRule = {
  expected: 'a host name or an IP address (127.0.0.1, ::1, 0.0.0.0, localhost)',
  test: (value) =>
    typeof value === 'string' &&
    /^(\[[0-9A-Fa-f:.%\w]+\]|[0-9A-Fa-f:.]+|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/.test(value),
};

/** The Rust half of the client rejects a server version that is not digits and dots. */
const serverVersion: OptionRule = {
  expected: 'a version of digits and dots, such as "24.10.0" (the client rejects anything else)',
  test: (value) => typeof value === 'string' && /^\d+(\.\d+)*$/.test(value),
};

const directory: OptionRule = {
  expected: 'the path of a directory (a non-empty string)',
  test: (value) => typeof value === 'string' && value.trim() !== '',
};

export const EMULATOR_OPTION_RULES = {
  dataDir: directory,
  host,
  port: integer(0, 65535),
  batchAppend: boolean,
  maxAppendSize: integer(1),
  maxAppendEventSize: integer(1),
  serverVersion,
} satisfies Record<string, OptionRule>;

/** A cluster takes the node's options (its log lives in memory: no `dataDir`) and its own. */
const { dataDir: _inMemoryOnly, ...NODE_RULES } = EMULATOR_OPTION_RULES;
export const CLUSTER_OPTION_RULES = {
  ...NODE_RULES,
  nodes: integer(1, 9),
  electionDelayMs: integer(0),
  rejoinDelayMs: integer(0),
  followerLagMs: integer(0),
} satisfies Record<string, OptionRule>;

/** Throws `InvalidEmulatorOptionError` for anything but a plain object of known, valid options. */
export function checkEmulatorOptions(
  options: unknown,
  rules: Readonly<Record<string, OptionRule>> = EMULATOR_OPTION_RULES,
): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options) || !isPlain(options)) {
    throw new InvalidEmulatorOptionError('options', `expected an options object, got ${describe(options)}`);
  }
  const known = Object.keys(rules);
  for (const key of Reflect.ownKeys(options)) {
    const name = String(key);
    if (typeof key === 'string' && known.includes(key)) continue;
    const suggestion = typeof key === 'string' ? closest(key, known) : undefined;
    throw new InvalidEmulatorOptionError(
      name,
      `'${name}' is not an option${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; known options: ${known.join(', ')}`,
    );
  }
  for (const [key, rule] of Object.entries(rules)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && !rule.test(value)) {
      throw new InvalidEmulatorOptionError(key, `expected ${rule.expected}, got ${describe(value)}`);
    }
  }
}

function isPlain(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n (a BigInt)`;
  if (value === null || typeof value !== 'object') return typeof value === 'symbol' ? 'a symbol' : String(value);
  if (Array.isArray(value)) return `an array (length ${value.length})`;
  return isPlain(value) ? 'a plain object' : 'an object';
}

/** The known option nearest to a typo, if any is near enough. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
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
