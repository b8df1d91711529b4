import { newCommandId, type CommandStamp } from '../aggregate/command-stamp.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { checkTimeoutMs } from './command-deadline.js';
import { checkKnownKeys, describeValue, isPlainObject } from './option-checks.js';

/** Per-command options of `CommandBus.execute` and `execute()`. */
export interface CommandOptions {
  /**
   * Names this command: re-sending it with the same id after it succeeded writes nothing and
   * returns its events. Default: a new UUID per call, kept across the call's retries.
   */
  commandId?: string;
  /** Stored as `$correlationId`; defaults to the command id. */
  correlationId?: string;
  /** Stored as `$causationId`; defaults to the command id. */
  causationId?: string;
  /** Added to every event's metadata, under the system keys (which it cannot override). */
  metadata?: Record<string, unknown>;
  /**
   * The most this command may take, from the call to its answer (load, handler, retries, appends):
   * then it fails with `CommandTimeoutError` and nothing it decides later is written. Default: the
   * bus's `commandTimeoutMs` (30 s); for `execute()`, 30 s.
   */
  timeoutMs?: number;
}

export const COMMAND_OPTION_KEYS: readonly string[] = ['commandId', 'correlationId', 'causationId', 'metadata', 'timeoutMs'];

/** Checks the options and fills in the defaults; throws `InvalidConfigurationError` naming the option. */
export function resolveCommandStamp(options: CommandOptions | undefined, path = 'options'): CommandStamp {
  if (options === undefined) {
    const commandId = newCommandId();
    return { commandId, correlationId: commandId, causationId: commandId, metadata: {} };
  }
  if (!isPlainObject(options)) throw new InvalidConfigurationError(path, `expected an options object, got ${describeValue(options)}`);
  checkKnownKeys(options, COMMAND_OPTION_KEYS, path);
  const commandId = optionalId(options.commandId, `${path}.commandId`) ?? newCommandId();
  const metadata = options.metadata === undefined ? {} : options.metadata;
  if (!isPlainObject(metadata)) {
    throw new InvalidConfigurationError(`${path}.metadata`, `expected a plain object, got ${describeValue(metadata)}`);
  }
  return {
    commandId,
    correlationId: optionalId(options.correlationId, `${path}.correlationId`) ?? commandId,
    causationId: optionalId(options.causationId, `${path}.causationId`) ?? commandId,
    metadata: { ...metadata },
  };
}

/** The command's timeout: its own `timeoutMs` (checked), or the fallback. */
export function commandTimeoutMs(options: CommandOptions | undefined, fallback: number, path = 'options'): number {
  const value = options?.timeoutMs;
  return value === undefined ? fallback : checkTimeoutMs(value, `${path}.timeoutMs`);
}

function optionalId(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidConfigurationError(path, `expected a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}
