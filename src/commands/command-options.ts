import { newCommandId, type CommandStamp } from '../repository/command-stamp.js';
import { checkOptions, isPlainObject, rule, type OptionShape } from '../options/option-checks.js';
import { checkTimeoutMs } from './command-deadline.js';

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

const ID = rule.custom('a non-empty string', (value) => typeof value === 'string' && value.trim() !== '');

const COMMAND_OPTIONS: OptionShape = {
  commandId: ID,
  correlationId: ID,
  causationId: ID,
  metadata: rule.custom('a plain object', isPlainObject),
  timeoutMs: rule.any,
} satisfies Record<keyof CommandOptions, unknown>;

/** timeoutMs is checked by commandTimeoutMs (its rule is the command deadline's). */
export const COMMAND_OPTION_KEYS: readonly string[] = Object.keys(COMMAND_OPTIONS);

/** Checks the options and fills in the defaults; throws `InvalidConfigurationError` naming the option. */
export function resolveCommandStamp(options: CommandOptions | undefined, path = 'options'): CommandStamp {
  if (options === undefined) {
    const commandId = newCommandId();
    return { commandId, correlationId: commandId, causationId: commandId, metadata: {} };
  }
  checkOptions(options, path, COMMAND_OPTIONS);
  const commandId = options.commandId ?? newCommandId();
  return {
    commandId,
    correlationId: options.correlationId ?? commandId,
    causationId: options.causationId ?? commandId,
    metadata: { ...options.metadata },
  };
}

/** The command's timeout: its own `timeoutMs` (checked), or the fallback. */
export function commandTimeoutMs(options: CommandOptions | undefined, fallback: number, path = 'options'): number {
  const value = options?.timeoutMs;
  return value === undefined ? fallback : checkTimeoutMs(value, `${path}.timeoutMs`);
}
