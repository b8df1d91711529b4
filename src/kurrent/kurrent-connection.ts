import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { InvalidConnectionStringError } from '../errors/store-errors.js';
import { kurrentClient } from './kurrent-client.js';
import { passwordsIn, redactConnectionString, scrubbedCause } from './redaction.js';

/** The environment variable `KurrentEventStore.fromEnvironment` reads. */
export const CONNECTION_STRING_VARIABLE = 'KURRENTDB_CONNECTION_STRING';

/** A client made from a connection string, plus what error messages may say about it. */
export interface Connection {
  client: KurrentDBClient;
  /** The connection string without its password, for messages. */
  target: string;
  /** The password (raw and decoded), scrubbed from every message. */
  secrets: string[];
}

/** Parses the connection string and creates a client; a bad string becomes a password-free Mneme error. */
export function connect(connectionString: string): Connection {
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw new InvalidConnectionStringError('it is empty');
  }
  const secrets = passwordsIn(connectionString);
  const target = redactConnectionString(connectionString, secrets);
  try {
    const client = withRedactedWarnings(secrets, () =>
      kurrentClient().KurrentDBClient.connectionString(connectionString),
    );
    return { client, target, secrets };
  } catch (error) {
    const cause = scrubbedCause(error, secrets);
    const reason = cause instanceof Error ? cause.message.split('\n')[0]! : String(cause);
    throw new InvalidConnectionStringError(redactConnectionString(reason, secrets), target, { cause });
  }
}

/** The connection string from the environment, or a Mneme error that says which variable to set. */
export function connectionStringFromEnvironment(env: Readonly<Record<string, string | undefined>>): string {
  const value: unknown = env?.[CONNECTION_STRING_VARIABLE];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidConnectionStringError(
      `the environment variable ${CONNECTION_STRING_VARIABLE} is not set; set it to the server's connection string`,
    );
  }
  return value;
}

/** The client's parser `console.warn`s about unknown options with the whole string, password included. */
function withRedactedWarnings<T>(secrets: readonly string[], create: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) =>
    warn(...args.map((arg) => (typeof arg === 'string' ? redactConnectionString(arg, secrets) : arg)));
  try {
    return create();
  } finally {
    console.warn = warn;
  }
}
