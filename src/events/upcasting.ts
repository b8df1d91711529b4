import { getEventTypeMetadata, getUpcasters, type Upcaster } from '../../decorators/index.js';
import { EventDeserializationError } from '../errors/event-errors.js';
import { isThenable } from '../options/option-checks.js';
import type { RecordedEvent } from '../store/event-store.js';
import { JsonProblem, safeJsonCopy } from './json-data.js';

/** Metadata key holding the schema version an event was written with; absent means version 1. */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

interface UpcastPlan {
  readonly version: number;
  /** steps[v - 1] upgrades version v to v + 1. */
  readonly steps: readonly Upcaster[];
}

const plans = new WeakMap<Function, UpcastPlan>();

/** Compiled once per class, so the per-event path reads no decorator metadata. */
function planFor(eventClass: Function): UpcastPlan {
  let plan = plans.get(eventClass);
  if (!plan) {
    const version = getEventTypeMetadata(eventClass)?.version ?? 1;
    plan = { version, steps: getUpcasters(eventClass, version) };
    plans.set(eventClass, plan);
  }
  return plan;
}

/** The current schema version of an event class (1 unless `@EventType(name, { version })` says otherwise). */
export function schemaVersionOf(eventClass: Function): number {
  return planFor(eventClass).version;
}

/**
 * The stored event's data brought up to its class's current schema version, through the class's
 * @Upcast chain (plain JSON in, plain JSON out). Throws `EventDeserializationError` when an
 * upcaster fails or the stored version is one the class does not know.
 */
export function upcastData(eventClass: Function, recorded: RecordedEvent): unknown {
  const plan = planFor(eventClass);
  const declared = recorded.metadata?.[SCHEMA_VERSION_KEY];
  // A multi-stream append carries string metadata only: there the version is stored as its digits.
  const stored =
    typeof declared === 'string' && /^[1-9][0-9]{0,8}$/.test(declared) ? Number(declared) : (declared ?? 1);
  if (stored === plan.version) return recorded.data;
  const fail = (reason: string, cause?: unknown) =>
    new EventDeserializationError(
      recorded.streamName,
      recorded.revision,
      recorded.type,
      reason,
      cause === undefined ? {} : { cause },
    );
  if (typeof stored !== 'number' || !Number.isSafeInteger(stored) || stored < 1) {
    throw fail(`its metadata.${SCHEMA_VERSION_KEY} is ${JSON.stringify(declared)}, not a positive integer`);
  }
  if (stored > plan.version) {
    throw fail(
      `it was written with schema version ${stored}, newer than ${eventClass.name}'s version ${plan.version}: ` +
        `run the code that declares version ${stored}`,
    );
  }
  // Upcasters may change what they are given: never the stored (possibly frozen, shared) data.
  let data: unknown;
  try {
    data = safeJsonCopy(recorded.data);
  } catch (problem) {
    if (problem instanceof JsonProblem) throw fail(`its ${problem.describe('data')}`);
    throw problem;
  }
  for (let from = stored; from < plan.version; from++) {
    const step = `${eventClass.name}'s upcaster from schema version ${from}`;
    try {
      data = plan.steps[from - 1]!(data);
    } catch (error) {
      throw fail(`${step} threw: ${error instanceof Error ? error.message : String(error)}`, error);
    }
    const problem = notPlainData(data);
    if (problem !== undefined) {
      // An async upcaster's rejection is observed here: it must not become an unhandled rejection.
      if (isThenable(data)) Promise.resolve(data).catch(() => undefined);
      throw fail(
        `${step} returned ${problem}; an upcaster returns plain JSON data (objects, arrays, strings, numbers, booleans, null), synchronously`,
      );
    }
  }
  return data;
}

/** Deeper than this, an upcaster's result is not looked into (the serializer's own checks still apply). */
const MAX_CHECK_DEPTH = 64;

/**
 * What in an upcaster's result is not plain data, or undefined: the result must be a plain object,
 * and nothing in it a Promise, Map, Set, Date, class instance, function, symbol or BigInt (the
 * serializer would turn those into defaults, `{}` or nothing, silently).
 */
function notPlainData(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return data === null
      ? 'null'
      : Array.isArray(data)
        ? 'an array, not a plain object'
        : `${describeKind(data)}, not a plain object`;
  }
  return findNotPlain(data, '', 0);
}

function findNotPlain(value: unknown, path: string, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      return `${describeKind(value)}${path ? ` at ${path}` : ''}`;
  }
  if (value === null || depth >= MAX_CHECK_DEPTH) return undefined;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = findNotPlain(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (prototype !== Object.prototype && prototype !== null) return `${describeKind(value)}${path ? ` at ${path}` : ''}`;
  for (const key of Object.keys(value)) {
    const problem = findNotPlain((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

function describeKind(value: unknown): string {
  if (typeof value === 'bigint') return 'a BigInt';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value !== 'object' || value === null) return typeof value;
  if (isThenable(value)) return 'a Promise (an async upcaster?)';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object with a prototype';
}
