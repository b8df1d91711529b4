import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import {
  EmulatorAddressInUseError,
  EmulatorBindError,
  InvalidEmulatorOptionError,
  KurrentEmulatorError,
  startKurrentEmulator,
  type KurrentEmulator,
  type KurrentEmulatorOptions,
} from '../src/index.js';
import { readEvents, testEvents } from './support/kurrent-client-helpers.js';

/** A port nothing listens on right now (the OS picks it, then it is released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('startKurrentEmulator({ host, port })', () => {
  const started: KurrentEmulator[] = [];
  const start = async (options?: KurrentEmulatorOptions) => {
    const emulator = await startKurrentEmulator(options);
    started.push(emulator);
    return emulator;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((emulator) => emulator.close()));
  });

  it('listens on 127.0.0.1 and a free port by default, and reports that address', async () => {
    const emulator = await start();

    expect(emulator.host).toBe('127.0.0.1');
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.connectionString).toBe(`kurrentdb://127.0.0.1:${emulator.port}?tls=false&discoveryInterval=1`);
  });

  it('listens on the port it is given, where the client appends and reads through the reported connection string', async () => {
    const port = await freePort();
    const emulator = await start({ host: '127.0.0.1', port });
    const client = KurrentDBClient.connectionString(emulator.connectionString);
    try {
      expect(emulator.port).toBe(port);
      expect(emulator.connectionString).toBe(`kurrentdb://127.0.0.1:${port}?tls=false&discoveryInterval=1`);

      await client.appendToStream('fixed-port', testEvents(2));

      expect((await readEvents(client, 'fixed-port')).map((event) => event!.revision)).toEqual([0n, 1n]);
    } finally {
      await client.dispose();
    }
  });

  it('listens on a host name it is given', async () => {
    const emulator = await start({ host: 'localhost' });
    const client = KurrentDBClient.connectionString(emulator.connectionString);
    try {
      expect(emulator.connectionString).toBe(`kurrentdb://localhost:${emulator.port}?tls=false&discoveryInterval=1`);
      await client.appendToStream('by-name', testEvents(1));
      expect(await readEvents(client, 'by-name')).toHaveLength(1);
    } finally {
      await client.dispose();
    }
  });

  it('names the loopback address in the connection string when it listens on every interface (0.0.0.0)', async () => {
    const emulator = await start({ host: '0.0.0.0' });
    const client = KurrentDBClient.connectionString(emulator.connectionString);
    try {
      expect(emulator.host).toBe('0.0.0.0');
      expect(emulator.connectionString).toBe(`kurrentdb://127.0.0.1:${emulator.port}?tls=false&discoveryInterval=1`);
      await client.appendToStream('every-interface', testEvents(1));
      expect(await readEvents(client, 'every-interface')).toHaveLength(1);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a port in use with an EmulatorAddressInUseError naming the address, and the emulator already there keeps answering', async () => {
    const first = await start();

    const error = await startKurrentEmulator({ port: first.port }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EmulatorAddressInUseError);
    expect(error).toMatchObject({ code: 'KURRENTDB_EMULATOR_ADDRESS_IN_USE', host: '127.0.0.1', port: first.port });
    expect((error as Error).message).toContain(`127.0.0.1:${first.port}`);
    expect(KurrentEmulatorError.is(error)).toBe(true);
    const client = KurrentDBClient.connectionString(first.connectionString);
    try {
      await client.appendToStream('still-there', testEvents(1));
      expect(await readEvents(client, 'still-there')).toHaveLength(1);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a host that is not an address of this machine with an EmulatorBindError', async () => {
    // 192.0.2.0/24 is reserved for documentation (RFC 5737): never an address of this machine.
    const error = await startKurrentEmulator({ host: '192.0.2.1' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EmulatorBindError);
    expect(error).toMatchObject({ code: 'KURRENTDB_EMULATOR_BIND_FAILED', host: '192.0.2.1', port: 0 });
  });

  it.each<[label: string, options: unknown, option: string, reason: RegExp]>([
    ['a negative port', { port: -1 }, 'port', /expected an integer from 0 to 65535, got -1/],
    ['a port above 65535', { port: 65536 }, 'port', /got 65536/],
    ['a fractional port', { port: 21.13 }, 'port', /got 21.13/],
    ['a port given as a string', { port: '2113' }, 'port', /got "2113"/],
    ['a host with a space', { host: 'local host' }, 'host', /expected a host name or an IP address/],
    ['a host with a scheme', { host: 'http://127.0.0.1' }, 'host', /got "http:\/\/127.0.0.1"/],
    ['an empty host', { host: '' }, 'host', /got ""/],
    ['a misspelt option', { prot: 2113 }, 'prot', /'prot' is not an option \(did you mean 'port'\?\)/],
    ['a server version that is not digits and dots', { serverVersion: 'latest' }, 'serverVersion', /digits and dots/],
    ['a maxAppendSize of 0', { maxAppendSize: 0 }, 'maxAppendSize', /expected an integer >= 1, got 0/],
    ['batchAppend given as a string', { batchAppend: 'yes' }, 'batchAppend', /expected true or false/],
    ['options that are not an object', 2113, 'options', /expected an options object, got 2113/],
  ])('refuses %s with an InvalidEmulatorOptionError, before listening', async (_label, options, option, reason) => {
    const error = await startKurrentEmulator(options as KurrentEmulatorOptions).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidEmulatorOptionError);
    expect(error).toMatchObject({ code: 'KURRENTDB_EMULATOR_INVALID_OPTION', option });
    expect((error as InvalidEmulatorOptionError).reason).toMatch(reason);
  });
});
