import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { KurrentDBClient, START, type ResolvedEvent } from '@kurrent/kurrentdb-client';
import { startKurrentEmulator } from '../src/index.js';
import { runEmulatorCli, type EmulatorProcess } from './support/emulator-cli.js';
import { SubscriptionProbe, readEvents, testEvents } from './support/kurrent-client-helpers.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the kurrentdb-emulator command', () => {
  const running: EmulatorProcess[] = [];
  const run = (args: readonly string[]) => {
    const process = runEmulatorCli(args);
    running.push(process);
    return process;
  };
  afterEach(() => {
    for (const { child } of running.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints the connection string of the address given, serves the official client there, and exits with 0 on %s',
    async (signal) => {
      const port = await freePort();
      const emulator = run(['--port', String(port), '--host', '127.0.0.1']);

      const connectionString = await emulator.firstLine;
      expect(connectionString).toBe(`kurrentdb://127.0.0.1:${port}?tls=false&discoveryInterval=1`);

      const client = KurrentDBClient.connectionString(connectionString);
      try {
        await client.appendToStream('cli-stream', testEvents(3));
        expect((await readEvents(client, 'cli-stream')).map((event) => event!.revision)).toEqual([0n, 1n, 2n]);
        // A live subscription never ends by itself: the stop must not wait for it.
        const probe = new SubscriptionProbe<ResolvedEvent>(
          client.subscribeToStream('cli-stream', { fromRevision: START }),
        );
        await probe.untilCaughtUp();

        emulator.child.kill(signal);

        expect(await emulator.exited).toEqual({ code: 0, signal: null });
        expect(emulator.stderr()).toContain(`${signal}, stopping`);
      } finally {
        await client.dispose();
      }
    },
  );

  it('keeps its log in --data across a stop and a start on the same directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kurrentdb-emulator-cli-'));
    try {
      const first = run(['--port', '0', '--data', dir]);
      let client = KurrentDBClient.connectionString(await first.firstLine);
      await client.appendToStream('cli-durable', testEvents(2));
      await client.dispose();
      first.child.kill('SIGTERM');
      expect(await first.exited).toEqual({ code: 0, signal: null });

      const second = run(['--port', '0', '--data', dir]);
      client = KurrentDBClient.connectionString(await second.firstLine);
      try {
        expect((await readEvents(client, 'cli-durable')).map((event) => event!.revision)).toEqual([0n, 1n]);
      } finally {
        await client.dispose();
      }
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
      expect(second.stderr()).toMatch(/read back \d+ commits/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses an unknown flag with the usage and exit code 2', async () => {
    const emulator = run(['--prot', '2113']);

    expect(await emulator.exited).toEqual({ code: 2, signal: null });
    expect(emulator.stderr()).toContain("unknown argument '--prot'");
    expect(emulator.stderr()).toContain('Usage: kurrentdb-emulator');
    expect(emulator.stdout()).toBe('');
  });

  it('--cluster 3 runs three nodes, prints the multi-host connection string, and stops them all on SIGTERM', async () => {
    const emulator = run(['--port', '0', '--cluster', '3']);

    const connectionString = await emulator.firstLine;
    expect(connectionString).toMatch(/^kurrentdb:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\?tls=false/);
    expect(emulator.stderr()).toMatch(/cluster listening on .*\(leader\), .*\(follower\), .*\(follower\)/);
    const client = KurrentDBClient.connectionString(connectionString);
    try {
      await client.appendToStream('cli-cluster', testEvents(2));
      expect((await readEvents(client, 'cli-cluster')).map((event) => event!.revision)).toEqual([0n, 1n]);
    } finally {
      await client.dispose();
    }
    emulator.child.kill('SIGTERM');

    expect(await emulator.exited).toEqual({ code: 0, signal: null });
  });

  it('refuses --data with --cluster with exit code 2', async () => {
    const emulator = run(['--cluster', '3', '--data', 'somewhere']);

    expect(await emulator.exited).toEqual({ code: 2, signal: null });
    expect(emulator.stderr()).toContain('--data cannot be used with --cluster');
  });

  it('refuses a cluster of more than nine nodes with exit code 2', async () => {
    const emulator = run(['--cluster', '10']);

    expect(await emulator.exited).toEqual({ code: 2, signal: null });
    expect(emulator.stderr()).toContain('--cluster: expected an integer from 1 to 9, got 10');
  });

  it('refuses a port in use with a message naming the address and exit code 1', async () => {
    const other = await startKurrentEmulator();
    try {
      const emulator = run(['--port', String(other.port)]);

      expect(await emulator.exited).toEqual({ code: 1, signal: null });
      expect(emulator.stderr()).toContain(`cannot listen on 127.0.0.1:${other.port}: the address is in use`);
      expect(emulator.stdout()).toBe('');
    } finally {
      await other.close();
    }
  });
});
