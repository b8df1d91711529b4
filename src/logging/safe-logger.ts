import { isThenable } from '../options/option-checks.js';
import { Logger, type LogFields } from './logger.js';

/**
 * The logger Mneme calls: the user's, behind a guard. Whatever the user's logger does — throws,
 * returns a promise that rejects or never settles, or chokes on a field — the caller goes on as
 * with no logger. The fields it receives are JSON-safe: bigints (revisions, positions) become
 * strings, errors plain `{ name, message, code, ... }` objects, cycles and depth are cut.
 */
export class SafeLogger extends Logger {
  /** The logger as given. */
  readonly inner: Partial<Logger>;

  constructor(inner: Partial<Logger>) {
    super();
    this.inner = inner;
  }

  debug(message: string, fields?: LogFields): void {
    this.#call('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.#call('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.#call('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.#call('error', message, fields);
  }

  #call(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: LogFields | undefined): void {
    try {
      const method = this.inner[level];
      if (typeof method !== 'function') return;
      const returned: unknown =
        fields === undefined
          ? method.call(this.inner, message)
          : method.call(this.inner, message, jsonSafeFields(fields));
      // An async logger's rejection is observed here (never an unhandled rejection); one that
      // never settles is not waited for.
      if (isThenable(returned)) Promise.resolve(returned).catch(ignore);
    } catch {
      // A logger that throws loses its line, nothing else.
    }
  }
}

/** `logger` behind the guard (once: a SafeLogger is returned as is); undefined stays undefined. */
export function safeLogger(logger: Partial<Logger>): SafeLogger;
export function safeLogger(logger: Partial<Logger> | undefined): SafeLogger | undefined;
export function safeLogger(logger: Partial<Logger> | undefined): SafeLogger | undefined {
  if (logger === undefined) return undefined;
  return logger instanceof SafeLogger ? logger : new SafeLogger(logger);
}

const ignore = (): void => undefined;

/** Deeper than this, a field is replaced by a marker string. */
const MAX_DEPTH = 8;
/** Arrays and objects longer than this are cut (a log line is not a data dump). */
const MAX_ENTRIES = 100;

/** The fields as JSON can hold them: what `JSON.stringify` accepts and gives back unchanged. */
export function jsonSafeFields(fields: LogFields): LogFields {
  const safe = jsonSafe(fields, 0, []);
  return typeof safe === 'object' && safe !== null && !Array.isArray(safe) ? (safe as LogFields) : { fields: safe };
}

function jsonSafe(value: unknown, depth: number, ancestors: object[]): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
      return undefined;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[function ${value.name || 'anonymous'}]`;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  ancestors.push(object);
  try {
    if (object instanceof Error) return errorFields(object, depth, ancestors);
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
    if (Array.isArray(object))
      return object.slice(0, MAX_ENTRIES).map((item) => jsonSafe(item, depth + 1, ancestors) ?? null);
    if (object instanceof Map)
      return entries(
        [...object.entries()].map(([key, item]) => [String(key), item]),
        depth,
        ancestors,
      );
    if (object instanceof Set)
      return [...object].slice(0, MAX_ENTRIES).map((item) => jsonSafe(item, depth + 1, ancestors) ?? null);
    if (ArrayBuffer.isView(object)) return `[${object.constructor.name} of ${object.byteLength} bytes]`;
    return entries(
      Object.keys(object).map((key) => [key, readField(object, key)]),
      depth,
      ancestors,
    );
  } catch {
    return '[unreadable]';
  } finally {
    ancestors.pop();
  }
}

function entries(pairs: [string, unknown][], depth: number, ancestors: object[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of pairs.slice(0, MAX_ENTRIES)) {
    const safe = jsonSafe(item, depth + 1, ancestors);
    if (safe === undefined) continue;
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: safe, enumerable: true, writable: true, configurable: true });
    else out[key] = safe;
  }
  return out;
}

/** An error as plain fields: name, message, code, its own facts, and its cause (as fields too). */
function errorFields(error: Error, depth: number, ancestors: object[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: String(readField(error, 'name') ?? 'Error'),
    message: String(readField(error, 'message') ?? ''),
  };
  const code = readField(error, 'code');
  if (code !== undefined) out.code = jsonSafe(code, depth + 1, ancestors);
  for (const key of Object.keys(error)) {
    if (key === 'stack' || key in out) continue;
    const safe = jsonSafe(readField(error, key), depth + 1, ancestors);
    if (safe !== undefined && key !== '__proto__') out[key] = safe;
  }
  const cause = readField(error, 'cause');
  if (cause !== undefined) out.cause = jsonSafe(cause, depth + 1, ancestors);
  return out;
}

/** A getter that throws holds nothing we could log. */
function readField(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return '[unreadable]';
  }
}
