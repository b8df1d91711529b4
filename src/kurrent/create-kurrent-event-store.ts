import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';
import { KURRENT_EVENT_STORE_OPTIONS, KurrentEventStore, type KurrentEventStoreOptions } from './kurrent-event-store.js';

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
  if (typeof config === 'string' || isClient(config)) return new KurrentEventStore(config);
  checkOptions(config, 'eventStore.kurrent', KURRENT_CONNECTION_OPTIONS, 'a connection string, a KurrentDBClient or an options object');
  const { connectionString, client, env, ...options } = config;
  if (connectionString !== undefined) return new KurrentEventStore(connectionString, options);
  if (client !== undefined) return new KurrentEventStore(client, options);
  return KurrentEventStore.fromEnvironment(env, options);
}

const KURRENT_CONNECTION_OPTIONS: OptionShape = {
  connectionString: rule.string,
  client: rule.custom('a KurrentDBClient', isClient),
  env: rule.custom('an object of environment variables', (value) => typeof value === 'object' && value !== null),
  ...KURRENT_EVENT_STORE_OPTIONS,
};

/** Duck-typed: a second copy of the client package would fail `instanceof`. */
function isClient(value: unknown): value is KurrentDBClient {
  return typeof value === 'object' && value !== null && typeof (value as KurrentDBClient).appendToStream === 'function';
}
