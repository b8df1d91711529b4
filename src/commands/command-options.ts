import { newCommandId, type CommandStamp } from '../repository/command-stamp.js';
import { checkOptions, isPlainObject, rule, type OptionShape } from '../options/option-checks.js';

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
}

const ID = rule.custom('a non-empty string', (value) => typeof value === 'string' && value.trim() !== '');

const COMMAND_OPTIONS: OptionShape = {
  commandId: ID,
  correlationId: ID,
  causationId: ID,
  metadata: rule.custom('a plain object', isPlainObject),
} satisfies Record<keyof CommandOptions, unknown>;

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
