/** Where the KurrentDB conformance suite runs: the in-process emulator, or a real server when
 * `KURRENTDB_CONNECTION_STRING` is set. Emulator-only tests are skipped, visibly, on a real server. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe } from '@jest/globals';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { startKurrentEmulator, type KurrentEmulator, type KurrentEmulatorOptions } from '../../src/index.js';

const realConnectionString = process.env.KURRENTDB_CONNECTION_STRING?.trim() || undefined;
export const againstRealServer = realConnectionString !== undefined;

export interface KurrentTarget {
  readonly connectionString: string;
  /** Undefined against a real server. */
  readonly emulator: KurrentEmulator | undefined;
  /** Fails if the emulator's own handlers threw during the run. */
  close(): Promise<void>;
}

/** A real server's connection string may carry credentials: the log shows its user, not its password. */
const redacted = (connectionString: string) => connectionString.replace(/(\/\/[^:@/]*):[^@/]*@/, '$1:***@');

/** Emulator options are ignored against a real server (it has its own configuration). */
export async function startKurrentTarget(options: KurrentEmulatorOptions = {}): Promise<KurrentTarget> {
  if (realConnectionString !== undefined) {
    console.info(`[kurrent conformance] running against a REAL KurrentDB: ${redacted(realConnectionString)}`);
    return { connectionString: realConnectionString, emulator: undefined, close: async () => undefined };
  }
  const emulator = await startKurrentEmulator(options);
  console.info(
    `[kurrent conformance] running against the in-process emulator on port ${emulator.port} ${JSON.stringify(options)}`,
  );
  return {
    connectionString: emulator.connectionString,
    emulator,
    close: async () => {
      await emulator.close();
      if (emulator.handlerErrors.length > 0) {
        throw new AggregateError(emulator.handlerErrors, 'kurrent-emulator handlers threw during the run');
      }
    },
  };
}

/** Returns the emulator, failing the test if it runs against a real server by mistake. */
export function emulatorOf(target: KurrentTarget): KurrentEmulator {
  if (!target.emulator) throw new Error('This test needs the emulator; wrap it in describeEmulatorOnly');
  return target.emulator;
}

/** The live target of a describe block, with a client connected to it. */
export interface KurrentTargetHandle {
  readonly target: KurrentTarget;
  /** Created on first use, disposed before the target closes. */
  readonly client: KurrentDBClient;
  /** Fails the test against a real server, like `emulatorOf`. */
  readonly emulator: KurrentEmulator;
}

/**
 * Starts a target in `beforeAll` and closes it (and the client, if one was used) in `afterAll`, for
 * the enclosing describe block. Read the values through the getters inside hooks and tests only.
 * Jest runs `afterAll` hooks in the order they are declared: release anything built on the target
 * in an `afterAll` declared before this call, so that it runs before the target closes.
 */
export function useKurrentTarget(options?: KurrentEmulatorOptions): KurrentTargetHandle {
  let target: KurrentTarget | undefined;
  let client: KurrentDBClient | undefined;
  const started = (): KurrentTarget => {
    if (!target)
      throw new Error('useKurrentTarget: no target yet; read it inside a hook or test, after its beforeAll has run');
    return target;
  };

  beforeAll(async () => {
    target = await startKurrentTarget(options);
  });

  afterAll(async () => {
    await client?.dispose();
    await target?.close();
  });

  return {
    get target() {
      return started();
    },
    get client() {
      return (client ??= KurrentDBClient.connectionString(started().connectionString));
    },
    get emulator() {
      return emulatorOf(started());
    },
  };
}

/** For fault injection, the RPC log and the append-path toggle: nothing a real server can show. */
export function describeEmulatorOnly(name: string, body: () => void): void {
  if (againstRealServer) {
    console.info(`[kurrent conformance] SKIPPED against a real server (emulator-only): ${name}`);
    describe.skip(name, body);
  } else {
    describe(name, body);
  }
}

/** Both append paths on the emulator; on a real server, whichever one it advertises. */
export function appendPaths(): Array<[label: string, options: KurrentEmulatorOptions]> {
  if (againstRealServer) {
    console.info('[kurrent conformance] the append path toggle is emulator-only; using the server default');
    return [['the server default', {}]];
  }
  return [
    ['BatchAppend', { batchAppend: true }],
    ['Append', { batchAppend: false }],
  ];
}

/** Unique per test, so runs against a shared real server never collide. */
export const uniqueStream = (label: string): string => `${label}-${randomUUID()}`;
