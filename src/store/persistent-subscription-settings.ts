import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { InvalidPersistentSubscriptionSettingsError } from '../errors/persistent-subscription-errors.js';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';
import { validateStreamName } from './event-validation.js';
import { isGlobalPosition } from './global-position.js';
import { validateReadAllOptions } from './all-filter.js';
import { InvalidReadAllOptionsError } from '../errors/store-errors.js';
import type { AllFilter } from './event-store.js';
import {
  ALL_STREAM,
  CONSUMER_STRATEGIES,
  DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS,
  type CreateGroupOptions,
  type NackAction,
  type PersistentSubscriptionSettings,
  type ReplayParkedOptions,
  type SubscribeToGroupOptions,
} from './persistent-subscriptions.js';

const INT32_MAX = 2 ** 31 - 1;
const count = (min: number) => rule.integer(min, INT32_MAX);

const SETTINGS_SHAPE: OptionShape = {
  startFrom: rule.custom(
    "'start', 'end', a revision (bigint >= 0n) or a position read from the store",
    (value) =>
      value === 'start' || value === 'end' || (typeof value === 'bigint' && value >= 0n) || isGlobalPosition(value),
  ),
  resolveLinkTos: rule.boolean,
  extraStatistics: rule.boolean,
  messageTimeoutMs: count(1),
  maxRetryCount: count(0),
  checkpointAfterMs: count(1),
  minCheckpointCount: count(1),
  maxCheckpointCount: count(1),
  maxSubscriberCount: rule.custom(
    "'unbounded' or an integer >= 1",
    (value) =>
      value === 'unbounded' ||
      (Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= INT32_MAX),
  ),
  liveBufferSize: count(1),
  readBatchSize: count(1),
  historyBufferSize: count(1),
  consumerStrategy: rule.custom(CONSUMER_STRATEGIES.map((name) => `'${name}'`).join(', '), (value) =>
    CONSUMER_STRATEGIES.includes(value as never),
  ),
};
const CREATE_SHAPE: OptionShape = { ...SETTINGS_SHAPE, filter: rule.any };
const SUBSCRIBE_SHAPE: OptionShape = { bufferSize: count(1) };
const REPLAY_SHAPE: OptionShape = { stopAt: count(0) };

/** The options checker's verdict, as this area's own error. */
function checked(value: unknown, path: string, shape: OptionShape): void {
  try {
    checkOptions(value, path, shape, 'an options object', path);
  } catch (error) {
    if (error instanceof InvalidConfigurationError)
      throw new InvalidPersistentSubscriptionSettingsError(error.option, error.reason);
    throw error;
  }
}

/** A stream name and a group name any store accepts. */
export function validateGroupName(streamName: string, group: string): void {
  validateStreamName(streamName);
  if (typeof group !== 'string' || group === '') {
    throw new InvalidPersistentSubscriptionSettingsError(
      'group',
      `expected a non-empty group name, got ${typeof group === 'string' ? "''" : typeof group}`,
    );
  }
}

/** What a group is created or updated with: checked, defaults filled in, the same in every store. */
export function resolveGroupSettings(
  streamName: string,
  group: string,
  options: CreateGroupOptions = {},
  allowFilter = true,
): { settings: PersistentSubscriptionSettings; filter?: AllFilter } {
  validateGroupName(streamName, group);
  checked(options, 'settings', allowFilter ? CREATE_SHAPE : SETTINGS_SHAPE);
  const { filter, ...given } = options;
  const settings: PersistentSubscriptionSettings = { ...DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS };
  for (const [key, value] of Object.entries(given))
    if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  const bad = (option: string, reason: string) =>
    new InvalidPersistentSubscriptionSettingsError(`settings.${option}`, reason);
  const toAll = streamName === ALL_STREAM;
  if (typeof settings.startFrom === 'bigint' && toAll)
    throw bad('startFrom', 'a group on the global log starts from a position read from the store, not a revision');
  if (typeof settings.startFrom === 'object' && !toAll)
    throw bad('startFrom', 'a group on a stream starts from a revision (bigint), not a position of the global log');
  // The server refuses a read batch that does not fit its buffers.
  if (settings.readBatchSize >= settings.historyBufferSize)
    throw bad(
      'readBatchSize',
      `it must be below historyBufferSize (${settings.historyBufferSize}), got ${settings.readBatchSize}`,
    );
  if (settings.readBatchSize >= settings.liveBufferSize)
    throw bad(
      'readBatchSize',
      `it must be below liveBufferSize (${settings.liveBufferSize}), got ${settings.readBatchSize}`,
    );
  if (settings.minCheckpointCount > settings.maxCheckpointCount) {
    throw bad(
      'minCheckpointCount',
      `it must not exceed maxCheckpointCount (${settings.maxCheckpointCount}), got ${settings.minCheckpointCount}`,
    );
  }
  if (filter === undefined) return { settings };
  if (!toAll) throw bad('filter', 'only a group on the global log (ALL_STREAM) takes a filter');
  try {
    validateReadAllOptions({ filter });
  } catch (error) {
    if (error instanceof InvalidReadAllOptionsError) throw bad(error.option, error.reason);
    throw error;
  }
  return { settings, filter };
}

/** A consumer's options, checked; the client's default buffer size. */
export function resolveSubscribeOptions(options: SubscribeToGroupOptions = {}): { bufferSize: number } {
  checked(options, 'subscribe', SUBSCRIBE_SHAPE);
  return { bufferSize: options.bufferSize ?? 10 };
}

export function resolveReplayOptions(options: ReplayParkedOptions = {}): { stopAt: number } {
  checked(options, 'replayParkedMessages', REPLAY_SHAPE);
  return { stopAt: options.stopAt ?? Number.POSITIVE_INFINITY };
}

const NACK_ACTIONS: readonly string[] = ['park', 'retry', 'skip'];

/** Refuses a nack no store can honour, before anything changes. */
export function validateNack(action: unknown, reason: unknown): asserts action is NackAction {
  if (typeof action !== 'string' || !NACK_ACTIONS.includes(action)) {
    throw new InvalidPersistentSubscriptionSettingsError(
      'nack.action',
      `expected 'park', 'retry' or 'skip', got ${typeof action === 'string' ? `'${action}'` : typeof action}`,
    );
  }
  if (typeof reason !== 'string')
    throw new InvalidPersistentSubscriptionSettingsError('nack.reason', `expected a string, got ${typeof reason}`);
}
