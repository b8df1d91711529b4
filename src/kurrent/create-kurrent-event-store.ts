import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { InvalidConnectionStringError } from '../errors/store-errors.js';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';
import {
  KURRENT_EVENT_STORE_OPTIONS,
  KurrentEventStore,
  isClientLike,
  notAConnection,
  type KurrentEventStoreOptions,
} from './kurrent-event-store.js';

/**
 * How `mnemeModule({ eventStore: { kurrent: ... } })` names the server: a connection string, an
 * existing client, or an object with one of them (neither: read KURRENTDB_CONNECTION_STRING from `env`).
 */
export type KurrentConnection =
  | string
  | KurrentDBClient
  | (KurrentEventStoreOptions & {
      connectionString?: string;
      client?: KurrentDBClient;
      /** Defaults to `process.env`. */
      env?: Readonly<Record<string, string | undefined>>;
    });

/** Builds the store for the DI module. Whoever owns the container closes it with `close()`. */
export function createKurrentEventStore(config: KurrentConnection): KurrentEventStore {
  if (typeof config === 'string' || isClientLike(config)) return new KurrentEventStore(config);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    // The value itself is not shown: it may be a connection string's secret in the wrong place.
    throw new InvalidConnectionStringError(
      `eventStore.kurrent: ${notAConnection(config)}, or an object with connectionString or client`,
    );
  }
  checkOptions(
    config,
    'eventStore.kurrent',
    KURRENT_CONNECTION_OPTIONS,
    'a connection string, a KurrentDBClient or an options object',
  );
  const { connectionString, client, env, ...options } = config;
  if (connectionString !== undefined && client !== undefined) {
    throw new InvalidConfigurationError('eventStore.kurrent', 'give connectionString or client, not both');
  }
  if (connectionString !== undefined) {
    if (typeof connectionString !== 'string')
      throw new InvalidConnectionStringError(
        `eventStore.kurrent.connectionString: ${notAConnection(connectionString)}`,
      );
    return new KurrentEventStore(connectionString, options);
  }
  if (client !== undefined) {
    if (!isClientLike(client))
      throw new InvalidConnectionStringError(`eventStore.kurrent.client: ${notAConnection(client)}`);
    return new KurrentEventStore(client, options);
  }
  if (env !== undefined && (typeof env !== 'object' || env === null)) {
    throw new InvalidConfigurationError(
      'eventStore.kurrent.env',
      'give an object of environment variables (process.env fits)',
    );
  }
  return KurrentEventStore.fromEnvironment(env, options);
}

/** connectionString and client are checked below, where a wrong one is an InvalidConnectionStringError. */
const KURRENT_CONNECTION_OPTIONS: OptionShape = {
  connectionString: rule.any,
  client: rule.any,
  env: rule.custom('an object of environment variables', (value) => typeof value === 'object' && value !== null),
  ...KURRENT_EVENT_STORE_OPTIONS,
};
