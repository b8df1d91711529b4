import type { MnemeErrorCode } from './error-codes.js';

/** Brand shared by every copy of the package, so `is()` works across duplicate installs. */
const ERROR_CODES = Symbol.for('mneme:error-codes');

export interface MnemeErrorOptions {
  cause?: unknown;
}

/**
 * Base of every error Mneme raises. `code` is stable and meant for programs; the message is for
 * people and says what happened and what to do. Facts are fields on the subclasses.
 */
export class MnemeError extends Error {
  static readonly code: string = 'MNEME_ERROR';
  /** One of MnemeErrorCode for Mneme's errors; users' DomainError subclasses bring their own. */
  readonly code: MnemeErrorCode | (string & {});
  override readonly cause?: unknown;

  constructor(message: string, options: MnemeErrorOptions = {}) {
    super(message);
    const ctor = new.target as typeof MnemeError;
    this.name = ctor.name;
    this.code = ctor.code;
    if (options.cause !== undefined) this.cause = options.cause;
    Object.defineProperty(this, ERROR_CODES, { value: codesOf(ctor), enumerable: false });
  }

  /**
   * True when `err` is this error class (or a subclass), even if it was thrown by another copy of
   * Mneme. Compares stable codes, not constructors.
   */
  static is<T extends MnemeError>(this: { readonly code: string; readonly prototype: T }, err: unknown): err is T {
    if (typeof err !== 'object' || err === null) return false;
    const codes = (err as Record<symbol, unknown>)[ERROR_CODES];
    return Array.isArray(codes) && codes.includes(this.code);
  }
}

const codeCache = new WeakMap<Function, readonly string[]>();

function codesOf(ctor: typeof MnemeError): readonly string[] {
  let codes = codeCache.get(ctor);
  if (!codes) {
    const collected: string[] = [];
    // Walked here rather than with decorators' classLineage: errors import nothing of ours.
    for (let c: Function = ctor; c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, 'code')) collected.push((c as typeof MnemeError).code);
    }
    codes = Object.freeze(collected);
    codeCache.set(ctor, codes);
  }
  return codes;
}
