import { InvalidCommandError } from '../errors/command-errors.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { describeValue } from '../errors/describe-value.js';
import { checkKnownKeys, isPlainObject } from '../options/option-checks.js';
import type { CommandStamp } from '../repository/command-stamp.js';
import type { EventStore } from '../store/event-store.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './command-deadline.js';
import { COMMAND_OPTION_KEYS, commandTimeoutMs, resolveCommandStamp, type CommandOptions } from './command-options.js';
import { RETRY_OPTION_KEYS, resolveRetryPolicy, type RetryOptions, type RetryPolicy } from './retry-policy.js';

/** Retry settings and command options of `execute` (the Rust crate's `ExecuteConfig`, plus ids). */
export interface ExecuteConfig extends RetryOptions, CommandOptions {}

/** What `execute` runs with, from its config. */
export interface ResolvedExecuteConfig {
  readonly policy: RetryPolicy;
  readonly stamp: CommandStamp;
  readonly timeoutMs: number;
  /** The caller chose the command id: another send of it may be under way at the same time. */
  readonly idChosen: boolean;
}

const EXECUTE_CONFIG_KEYS = [...RETRY_OPTION_KEYS, ...COMMAND_OPTION_KEYS];
const COMMAND_METHODS = ['eventStreamId', 'getState', 'setState', 'handle'] as const;
const COMMAND_ADVICE =
  "Pass an object with the methods eventStreamId(), getState(), setState() and handle(), e.g. execute(new Increment('c-1'), store).";

/** Splits the one config object into the retry policy and the command's stamp, rejecting unknown keys (with "did you mean"). */
export function resolveExecuteConfig(config: unknown): ResolvedExecuteConfig {
  if (!isPlainObject(config))
    throw new InvalidConfigurationError('config', `expected an options object, got ${describeValue(config)}`);
  checkKnownKeys(config, EXECUTE_CONFIG_KEYS, 'config');
  const retry: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) (RETRY_OPTION_KEYS.includes(key) ? retry : options)[key] = value;
  const stamp = resolveCommandStamp(options, 'config');
  return {
    policy: resolveRetryPolicy(retry, 'config'),
    stamp,
    timeoutMs: commandTimeoutMs(options, DEFAULT_COMMAND_TIMEOUT_MS, 'config'),
    idChosen: options.commandId !== undefined,
  };
}

/** Refuses, before anything is read, a command that is not one and a store that is not one. */
export function checkExecuteArguments(command: unknown, eventStore: unknown): void {
  if (typeof command !== 'object' || command === null)
    throw new InvalidCommandError(command, 'a command is an object', COMMAND_ADVICE);
  const missing = COMMAND_METHODS.filter((name) => typeof (command as Record<string, unknown>)[name] !== 'function');
  if (missing.length > 0)
    throw new InvalidCommandError(
      command,
      `it has no ${missing.map((name) => `${name}()`).join(', ')}`,
      COMMAND_ADVICE,
    );
  const store = eventStore as Partial<EventStore> | null | undefined;
  if (typeof store?.readStream !== 'function' || typeof store.appendToStream !== 'function') {
    throw new InvalidConfigurationError(
      'eventStore',
      `expected an EventStore (with readStream and appendToStream), got ${describeValue(eventStore)}`,
    );
  }
}
