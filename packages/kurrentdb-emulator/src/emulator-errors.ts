/**
 * The emulator's own errors. It imports nothing of Mneme (it is meant to stand alone), so these are
 * not `MnemeError`s: each has a stable `code` (`KURRENTDB_EMULATOR_...`), its facts as fields, and a
 * static `is()` that compares codes, so it works across duplicate installs.
 */

/** Brand shared by every copy of the emulator, so `is()` works across duplicate installs. */
const ERROR_CODES = Symbol.for('kurrentdb-emulator:error-codes');

export type KurrentEmulatorErrorCode =
  | 'KURRENTDB_EMULATOR_ERROR'
  | 'KURRENTDB_EMULATOR_INVALID_OPTION'
  | 'KURRENTDB_EMULATOR_ADDRESS_IN_USE'
  | 'KURRENTDB_EMULATOR_BIND_FAILED'
  | 'KURRENTDB_EMULATOR_DATA_DIR_UNUSABLE'
  | 'KURRENTDB_EMULATOR_DATA_CORRUPT'
  | 'KURRENTDB_EMULATOR_NO_LEADER';

/** Base of every error the emulator raises; never thrown itself. */
export class KurrentEmulatorError extends Error {
  static readonly code: KurrentEmulatorErrorCode = 'KURRENTDB_EMULATOR_ERROR';
  readonly code: KurrentEmulatorErrorCode;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as typeof KurrentEmulatorError;
    this.name = ctor.name;
    this.code = ctor.code;
    const codes: string[] = [];
    for (let c: Function = ctor; c !== Error; c = Object.getPrototypeOf(c) as Function) {
      if (Object.hasOwn(c, 'code')) codes.push((c as typeof KurrentEmulatorError).code);
    }
    Object.defineProperty(this, ERROR_CODES, { value: Object.freeze(codes), enumerable: false });
  }

  /** True when `err` is this class (or a subclass), even from another copy of the emulator. */
  static is<T extends KurrentEmulatorError>(
    this: { readonly code: string; readonly prototype: T },
    err: unknown,
  ): err is T {
    if (typeof err !== 'object' || err === null) return false;
    const codes = (err as Record<symbol, unknown>)[ERROR_CODES];
    return Array.isArray(codes) && codes.includes(this.code);
  }
}

/** An option given to `startKurrentEmulator` (or a flag of the CLI) is invalid; nothing was started. */
export class InvalidEmulatorOptionError extends KurrentEmulatorError {
  static override readonly code: KurrentEmulatorErrorCode = 'KURRENTDB_EMULATOR_INVALID_OPTION';

  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`Invalid '${option}' option of the KurrentDB emulator: ${reason}.`);
  }
}

/** The address asked for is taken by another process (or another emulator). */
export class EmulatorAddressInUseError extends KurrentEmulatorError {
  static override readonly code: KurrentEmulatorErrorCode = 'KURRENTDB_EMULATOR_ADDRESS_IN_USE';

  constructor(
    readonly host: string,
    readonly port: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      `The KurrentDB emulator cannot listen on ${hostPort(host, port)}: the address is in use. Stop what listens there, or choose another port (port 0 picks a free one).`,
      options,
    );
  }
}

/** The address could not be bound for another reason (a host that does not resolve, or is not this machine's). */
export class EmulatorBindError extends KurrentEmulatorError {
  static override readonly code: KurrentEmulatorErrorCode = 'KURRENTDB_EMULATOR_BIND_FAILED';

  constructor(
    readonly host: string,
    readonly port: number,
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `The KurrentDB emulator cannot listen on ${hostPort(host, port)}: ${reason}. Give a host of this machine (127.0.0.1, ::1, 0.0.0.0 or a local name).`,
      options,
    );
  }
}

/** The data directory cannot be created, opened or read (a file in its place, no permission), or another emulator uses it. */
export class EmulatorDataDirError extends KurrentEmulatorError {
  static override readonly code: KurrentEmulatorErrorCode = 'KURRENTDB_EMULATOR_DATA_DIR_UNUSABLE';

  constructor(
    readonly dataDir: string,
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `The KurrentDB emulator cannot keep its log in '${dataDir}': ${reason}. Give a directory it may create and write, that no other emulator uses.`,
      options,
    );
  }
}

/**
 * The log file has a damaged commit with good ones after it: not the torn end a crash leaves, which
 * is dropped on start, but damage the emulator will not guess past.
 */
export class EmulatorDataCorruptError extends KurrentEmulatorError {
  static override readonly code: KurrentEmulatorErrorCode = 'KURRENTDB_EMULATOR_DATA_CORRUPT';

  constructor(
    readonly path: string,
    readonly offset: number,
  ) {
    super(
      `The KurrentDB emulator's log ${path} is damaged at byte ${offset}, with commits after it; nothing was started. Restore the file, or move it away to start empty.`,
    );
  }
}

/** `cluster.failLeader()` was called while the cluster has no leader (an election is under way, or every node is down). */
export class EmulatorNoLeaderError extends KurrentEmulatorError {
  static override readonly code: KurrentEmulatorErrorCode = 'KURRENTDB_EMULATOR_NO_LEADER';

  constructor(readonly nodesDown: number) {
    super(
      `The KurrentDB emulator cluster has no leader to fail: ${nodesDown === 0 ? 'an election is under way' : `${nodesDown} node(s) are down and no leader is elected yet`}. Wait for it with whenLeaderElected() first.`,
    );
  }
}

/** `host:port`, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
