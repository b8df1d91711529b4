import { createServer } from 'node:net';
import { format, inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { InvalidConnectionStringError, MnemeError, type RecordedEvent } from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { startBlackHole, type BlackHole } from '../support/black-hole.js';
import { HOSTILE_CONNECTION_STRINGS, clientPassword, fill, secretsOf } from '../support/hostile-connection-strings.js';

// Needs no KurrentDB (a refused port and a server that never answers), so it runs in both modes.
// The password each string carries is what the client's own parser reads from it.

/** A loopback port nothing listens on: the client fails fast, with its own errors as causes. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Everything a user may see of an error: util.inspect with the whole cause chain, String(), every field. */
function renderings(error: unknown): string[] {
  return [inspect(error, { depth: Infinity, showHidden: true }), String(error), ...stringsIn(error)];
}

function stringsIn(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const keys = [...Reflect.ownKeys(value), 'message', 'stack', 'cause'];
  return keys.flatMap((key) => stringsIn((value as Record<PropertyKey, unknown>)[key], seen));
}

async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

async function drain(iterable: AsyncIterable<RecordedEvent>): Promise<void> {
  for await (const _event of iterable) {
    // reading is all we want
  }
}

describe(`${KurrentEventStore.name} never shows a connection string's password`, () => {
  let blackHole: BlackHole;
  let refused: string;
  let refused2: string;
  /** Every line written to the console during a test. */
  let logged: string[];

  beforeAll(async () => {
    blackHole = await startBlackHole();
    refused = `127.0.0.1:${await refusedPort()}`;
    refused2 = `127.0.0.1:${await refusedPort()}`;
  });

  afterAll(async () => {
    await blackHole.close();
  });

  beforeEach(() => {
    logged = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(format(...args));
      });
    }
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each(HOSTILE_CONNECTION_STRINGS)(
    'with $label: not in errors, their causes, inspect(store) or log lines',
    async ({ template }) => {
      const shown: string[] = [];
      const secrets = secretsOf(fill(template, refused));
      expect(secrets).toContain(clientPassword(fill(template, refused)).trim());

      for (const [connectionString, deadlineMs] of [
        [fill(template, refused, refused2), 2000],
        [fill(template, `127.0.0.1:${blackHole.port}`), 150],
      ] as const) {
        let store: KurrentEventStore;
        try {
          store = new KurrentEventStore(connectionString, { deadlineMs });
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidConnectionStringError);
          shown.push(...renderings(error));
          continue;
        }
        try {
          shown.push(inspect(store, { depth: Infinity, showHidden: true }), String(store));
          const appendError = await failureOf(() => store.appendToStream('account-1', [{ type: 'Opened', data: {} }]));
          expect(MnemeError.is(appendError)).toBe(true);
          shown.push(...renderings(appendError));
          if (deadlineMs > 150) {
            const readError = await failureOf(() => drain(store.readStream('account-1')));
            expect(MnemeError.is(readError)).toBe(true);
            shown.push(...renderings(readError));
          }
        } finally {
          await store.close();
        }
      }

      const everything = [...shown, ...logged].join('\n');
      for (const secret of secrets) expect(everything).not.toContain(secret);
      expect(everything).toContain('***');
    },
  );
});
