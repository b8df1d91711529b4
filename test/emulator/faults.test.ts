import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DeadlineExceededError,
  KurrentDBClient,
  NO_STREAM,
  NotLeaderError,
  StreamDeletedError,
  UnavailableError,
} from '@kurrent/kurrentdb-client';
import type { KurrentEmulator } from 'mneme/testing';
import {
  appendPaths,
  describeEmulatorOnly,
  emulatorOf,
  startKurrentTarget,
  uniqueStream,
  type KurrentTarget,
} from '../support/kurrent-target.js';
import { collect, readRevisions, testEvent, testEvents } from '../support/kurrent-client-helpers.js';

describeEmulatorOnly('fault injection', () => {
  describe.each(appendPaths())('appends through %s', (_label, options) => {
    let target: KurrentTarget;
    let emulator: KurrentEmulator;
    let client: KurrentDBClient;

    beforeAll(async () => {
      target = await startKurrentTarget(options);
      emulator = emulatorOf(target);
      client = KurrentDBClient.connectionString(target.connectionString);
    });

    afterAll(async () => {
      await client.dispose();
      await target.close();
    });

    it('fails the next append with UnavailableError, then recovers', async () => {
      const stream = uniqueStream('fault-unavailable');
      emulator.injectFaults({ kind: 'unavailable', methods: ['Append', 'BatchAppend'] });

      await expect(client.appendToStream(stream, testEvent())).rejects.toBeInstanceOf(UnavailableError);
      await expect(client.appendToStream(stream, testEvent())).resolves.toMatchObject({ nextExpectedRevision: 0n });
      expect(emulator.pendingFaults).toBe(0);
    });

    it('fails the next append with DeadlineExceededError', async () => {
      emulator.injectFaults({ kind: 'deadline-exceeded', methods: ['Append', 'BatchAppend'] });

      await expect(client.appendToStream(uniqueStream('fault-deadline'), testEvent())).rejects.toBeInstanceOf(
        DeadlineExceededError,
      );
    });

    it('fails with NotLeaderError naming the leader endpoint, and the client reconnects there', async () => {
      const stream = uniqueStream('fault-not-leader');
      emulator.injectFaults({ kind: 'not-leader', methods: ['Append', 'BatchAppend'] });

      const failure = client.appendToStream(stream, testEvent());

      await expect(failure).rejects.toBeInstanceOf(NotLeaderError);
      await expect(failure).rejects.toMatchObject({ leader: { address: '127.0.0.1', port: emulator.port } });
      await expect(client.appendToStream(stream, testEvent())).resolves.toMatchObject({ nextExpectedRevision: 0n });
    });

    it('applies a write whose reply is dropped, so an idempotent retry succeeds without duplicates', async () => {
      const stream = uniqueStream('fault-drop');
      const events = testEvents(2);
      emulator.injectFaults({ kind: 'drop-after-write' });

      await expect(client.appendToStream(stream, events, { streamState: NO_STREAM })).rejects.toBeInstanceOf(
        UnavailableError,
      );
      const retry = await client.appendToStream(stream, events, { streamState: NO_STREAM });

      expect(retry.nextExpectedRevision).toBe(1n);
      expect(await readRevisions(client, stream)).toEqual([0n, 1n]);
    });

    it('fails exactly `count` matching calls and leaves other methods alone', async () => {
      const stream = uniqueStream('fault-count');
      await client.appendToStream(stream, testEvent());
      emulator.injectFaults({ kind: 'unavailable', count: 2, methods: ['Read'] });

      await expect(client.appendToStream(stream, testEvent())).resolves.toBeDefined();
      await expect(collect(client.readStream(stream))).rejects.toBeInstanceOf(UnavailableError);
      await expect(collect(client.readStream(stream))).rejects.toBeInstanceOf(UnavailableError);
      expect(await readRevisions(client, stream)).toEqual([0n, 1n]);
    });
  });

  describe('reads, deletes and specs', () => {
    let target: KurrentTarget;
    let emulator: KurrentEmulator;
    let client: KurrentDBClient;

    beforeAll(async () => {
      target = await startKurrentTarget();
      emulator = emulatorOf(target);
      client = KurrentDBClient.connectionString(target.connectionString);
    });

    afterAll(async () => {
      await client.dispose();
      await target.close();
    });

    it('maps each fault on a read (the Rust bridge) to the same error class', async () => {
      const stream = uniqueStream('fault-read');
      await client.appendToStream(stream, testEvent());

      emulator.injectFaults({ kind: 'unavailable', methods: ['Read'] });
      await expect(collect(client.readStream(stream))).rejects.toBeInstanceOf(UnavailableError);
      emulator.injectFaults({ kind: 'deadline-exceeded', methods: ['Read'] });
      await expect(collect(client.readStream(stream))).rejects.toBeInstanceOf(DeadlineExceededError);
      emulator.injectFaults({ kind: 'not-leader', methods: ['Read'] });
      await expect(collect(client.readStream(stream))).rejects.toBeInstanceOf(NotLeaderError);
      expect(await readRevisions(client, stream)).toEqual([0n]);
    });

    it('drops the reply of a tombstone after applying it', async () => {
      const stream = uniqueStream('fault-tombstone');
      await client.appendToStream(stream, testEvent());
      emulator.injectFaults({ kind: 'drop-after-write', methods: ['Tombstone'] });

      await expect(client.tombstoneStream(stream)).rejects.toBeInstanceOf(UnavailableError);
      await expect(client.appendToStream(stream, testEvent())).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('consumes specs in order and can be cleared', () => {
      emulator.injectFaults({ kind: 'unavailable', count: 3 }, { kind: 'not-leader' });
      expect(emulator.pendingFaults).toBe(4);

      emulator.clearFaults();

      expect(emulator.pendingFaults).toBe(0);
    });

    it('rejects specs that cannot apply', () => {
      expect(() => emulator.injectFaults({ kind: 'drop-after-write', methods: ['Read'] })).toThrow(RangeError);
      expect(() => emulator.injectFaults({ kind: 'unavailable', count: 0 })).toThrow(RangeError);
    });
  });
});
