import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { KurrentDBClient, StreamDeletedError, jsonEvent } from '@kurrent/kurrentdb-client';
import {
  EmulatorDataCorruptError,
  EmulatorDataDirError,
  startKurrentEmulator,
  type KurrentEmulator,
} from '../src/index.js';
import { collect, readEvents, testEvents } from './support/kurrent-client-helpers.js';

const LOG_FILE = 'kurrentdb-emulator.log';

describe('startKurrentEmulator({ dataDir })', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kurrentdb-emulator-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  /** An emulator on `dataDir` and a client on it; `stop()` closes both. */
  const open = async (dataDir: string) => {
    const emulator = await startKurrentEmulator({ dataDir });
    const client = KurrentDBClient.connectionString(emulator.connectionString);
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await client.dispose();
      await emulator.close();
    };
    cleanups.push(stop);
    return { emulator, client, stop };
  };
  const snapshot = async (client: KurrentDBClient, stream: string) =>
    (await readEvents(client, stream)).map((event) => ({
      id: event!.id,
      revision: event!.revision,
      type: event!.type,
      data: event!.data,
    }));
  const allRecords = async (emulator: KurrentEmulator) => {
    const client = KurrentDBClient.connectionString(emulator.connectionString);
    try {
      return (await collect(client.readAll())).map(({ event }) => `${event!.streamId}@${event!.revision}:${event!.id}`);
    } finally {
      await client.dispose();
    }
  };

  it('keeps the streams, their revisions, metadata, tombstones and $all positions across a restart on the same directory', async () => {
    const dir = newDir();
    const first = await open(dir);
    expect(first.emulator.recovery).toEqual({ commits: 0, records: 0, droppedBytes: 0 });
    await first.client.appendToStream('kept', testEvents(3));
    await first.client.setStreamMetadata('kept', { maxCount: 10, owner: 'ops' });
    await first.client.appendToStream('gone', testEvents(1));
    await first.client.tombstoneStream('gone');
    const before = { kept: await snapshot(first.client, 'kept'), all: await allRecords(first.emulator) };
    await first.stop();

    const second = await open(dir);

    expect(second.emulator.recovery).toMatchObject({ droppedBytes: 0 });
    expect(second.emulator.recovery!.records).toBe(before.all.length);
    expect(await snapshot(second.client, 'kept')).toEqual(before.kept);
    expect(await allRecords(second.emulator)).toEqual(before.all); // positions and order, system records not seeded twice
    expect((await second.client.getStreamMetadata('kept')).metadata).toEqual({ maxCount: 10, owner: 'ops' });
    await expect(second.client.appendToStream('gone', testEvents(1))).rejects.toBeInstanceOf(StreamDeletedError);
    const next = await second.client.appendToStream('kept', testEvents(1), { streamState: 2n });
    expect(next.nextExpectedRevision).toBe(3n);
  });

  it('has an append on disk when it is answered', async () => {
    const dir = newDir();
    const { client } = await open(dir);
    const event = jsonEvent({ type: 'Durable', data: { n: 1 } });

    await client.appendToStream('durable', event);

    expect(readFileSync(join(dir, LOG_FILE), 'utf8')).toContain(event.id);
  });

  it('drops a torn last commit, cut mid-way, keeps every commit before it, and writes on after it', async () => {
    const dir = newDir();
    const file = join(dir, LOG_FILE);
    const first = await open(dir);
    await first.client.appendToStream('torn', testEvents(1));
    const beforeLast = statSync(file).size;
    await first.client.appendToStream('torn', testEvents(2), { streamState: 0n });
    const whole = statSync(file).size;
    await first.stop();
    const cut = beforeLast + Math.floor((whole - beforeLast) / 2);
    truncateSync(file, cut);

    const second = await open(dir);

    expect(second.emulator.recovery).toMatchObject({ droppedBytes: cut - beforeLast });
    expect((await readEvents(second.client, 'torn')).map((event) => event!.revision)).toEqual([0n]);
    await second.client.appendToStream('torn', testEvents(1), { streamState: 0n });
    await second.stop();

    const third = await open(dir);
    expect(third.emulator.recovery).toMatchObject({ droppedBytes: 0 });
    expect((await readEvents(third.client, 'torn')).map((event) => event!.revision)).toEqual([0n, 1n]);
  });

  it('drops a last commit whose bytes do not match its checksum, as a crash mid-write leaves it', async () => {
    const dir = newDir();
    const file = join(dir, LOG_FILE);
    const first = await open(dir);
    await first.client.appendToStream('garbled', testEvents(1));
    const beforeLast = statSync(file).size;
    await first.client.appendToStream('garbled', testEvents(1), { streamState: 0n });
    await first.stop();
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(file, bytes);

    const second = await open(dir);

    expect(second.emulator.recovery).toMatchObject({ droppedBytes: bytes.length - beforeLast });
    expect((await readEvents(second.client, 'garbled')).map((event) => event!.revision)).toEqual([0n]);
  });

  it('refuses a log damaged before its end with an EmulatorDataCorruptError, and does not start', async () => {
    const dir = newDir();
    const file = join(dir, LOG_FILE);
    const first = await open(dir);
    await first.client.appendToStream('damaged', testEvents(1));
    await first.stop();
    const bytes = readFileSync(file);
    bytes[20] ^= 0xff; // inside the first commit, with others after it
    writeFileSync(file, bytes);

    const error = await startKurrentEmulator({ dataDir: dir }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EmulatorDataCorruptError);
    expect(error).toMatchObject({ code: 'KURRENTDB_EMULATOR_DATA_CORRUPT', path: file, offset: 0 });
    expect(readFileSync(file)).toEqual(bytes); // left as it was
  });

  it('refuses a data directory that is a file with an EmulatorDataDirError', async () => {
    const dir = newDir();
    const notADirectory = join(dir, 'file');
    writeFileSync(notADirectory, 'x');

    const error = await startKurrentEmulator({ dataDir: notADirectory }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EmulatorDataDirError);
    expect(error).toMatchObject({ code: 'KURRENTDB_EMULATOR_DATA_DIR_UNUSABLE', dataDir: notADirectory });
  });

  it('keeps every append of concurrent writers across a restart, in the order $all had them', async () => {
    const dir = newDir();
    const first = await open(dir);
    const writers = Array.from({ length: 4 }, () => KurrentDBClient.connectionString(first.emulator.connectionString));
    try {
      await Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; i < 10; i++) await writer.appendToStream(`concurrent-${i % 3}`, testEvents(1 + (w % 2)));
        }),
      );
    } finally {
      await Promise.all(writers.map((writer) => writer.dispose()));
    }
    const before = await allRecords(first.emulator);
    await first.stop();

    const second = await open(dir);

    expect(await allRecords(second.emulator)).toEqual(before);
    expect(before.filter((record) => record.startsWith('concurrent-'))).toHaveLength(4 * 10 + 2 * 10);
  });

  it('refuses a directory another emulator keeps its log in with an EmulatorDataDirError, and takes it once that one is closed', async () => {
    const dir = newDir();
    const first = await open(dir);

    const error = await startKurrentEmulator({ dataDir: dir }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EmulatorDataDirError);
    expect((error as EmulatorDataDirError).reason).toContain(`another emulator (pid ${process.pid})`);
    await first.stop();
    const second = await open(dir);
    expect(second.emulator.recovery!.commits).toBeGreaterThan(0);
  });

  it('takes over the lock of a process that is gone, as a crash leaves it', async () => {
    const dir = newDir();
    await (await open(dir)).stop();
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'kurrentdb-emulator.lock'), gone.stdout.trim());

    const { emulator } = await open(dir);

    expect(emulator.recovery!.commits).toBeGreaterThan(0);
  });

  it("takes over a lock holding this process's pid that no emulator of this process holds (a container's pid 1 restarted)", async () => {
    const dir = newDir();
    await (await open(dir)).stop();
    writeFileSync(join(dir, 'kurrentdb-emulator.lock'), String(process.pid));

    const { emulator } = await open(dir);

    expect(emulator.recovery!.commits).toBeGreaterThan(0);
  });

  it('keeps the streams of a multi-stream commit (26.1) across a restart', async () => {
    const dir = newDir();
    const first = await startKurrentEmulator({ dataDir: dir, serverVersion: '26.1.0' });
    const client = KurrentDBClient.connectionString(first.connectionString);
    await client.multiStreamAppend([
      { streamName: 'from-1', events: testEvents(2), expectedState: 'no_stream' },
      { streamName: 'to-1', events: testEvents(1), expectedState: 'no_stream' },
    ]);
    const before = await allRecords(first);
    await client.dispose();
    await first.close();

    const { emulator, client: again } = await open(dir);
    expect(await allRecords(emulator)).toEqual(before);
    expect((await snapshot(again, 'from-1')).map((event) => event.revision)).toEqual([0n, 1n]);
    expect((await snapshot(again, 'to-1')).map((event) => event.revision)).toEqual([0n]);
  });
});
