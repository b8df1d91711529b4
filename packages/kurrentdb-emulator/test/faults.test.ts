import { describe, expect, it } from '@jest/globals';
import {
  DeadlineExceededError,
  NO_STREAM,
  NotLeaderError,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
} from '@kurrent/kurrentdb-client';
import { appendPaths, describeEmulatorOnly, uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { collect, readRevisions, testEvent, testEvents } from './support/kurrent-client-helpers.js';

describeEmulatorOnly('fault injection', () => {
  describe.each(appendPaths())('appends through %s', (_label, options) => {
    const kurrent = useKurrentTarget(options);

    it('fails the next append with UnavailableError, then recovers', async () => {
      const stream = uniqueStream('fault-unavailable');
      kurrent.emulator.injectFaults({ kind: 'unavailable', methods: ['Append', 'BatchAppend'] });

      await expect(kurrent.client.appendToStream(stream, testEvent())).rejects.toBeInstanceOf(UnavailableError);
      await expect(kurrent.client.appendToStream(stream, testEvent())).resolves.toMatchObject({
        nextExpectedRevision: 0n,
      });
      expect(kurrent.emulator.pendingFaults).toBe(0);
    });

    it('fails the next append with DeadlineExceededError', async () => {
      kurrent.emulator.injectFaults({ kind: 'deadline-exceeded', methods: ['Append', 'BatchAppend'] });

      await expect(kurrent.client.appendToStream(uniqueStream('fault-deadline'), testEvent())).rejects.toBeInstanceOf(
        DeadlineExceededError,
      );
    });

    it('times out only the faulted append, writing nothing, while the other one goes through', async () => {
      const streams = [uniqueStream('fault-deadline-a'), uniqueStream('fault-deadline-b')];
      kurrent.emulator.injectFaults({ kind: 'deadline-exceeded', methods: ['Append', 'BatchAppend'] });

      const outcomes = await Promise.allSettled(
        streams.map((stream) => kurrent.client.appendToStream(stream, testEvent())),
      );

      const timedOut = outcomes.findIndex((outcome) => outcome.status === 'rejected');
      expect(outcomes[timedOut]).toMatchObject({ reason: expect.any(DeadlineExceededError) });
      expect(outcomes[1 - timedOut]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0n } });
      await expect(collect(kurrent.client.readStream(streams[timedOut]!))).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    it('fails with NotLeaderError naming the leader endpoint, and the client reconnects there', async () => {
      const stream = uniqueStream('fault-not-leader');
      kurrent.emulator.injectFaults({ kind: 'not-leader', methods: ['Append', 'BatchAppend'] });

      const failure = kurrent.client.appendToStream(stream, testEvent());

      await expect(failure).rejects.toBeInstanceOf(NotLeaderError);
      await expect(failure).rejects.toMatchObject({ leader: { address: '127.0.0.1', port: kurrent.emulator.port } });
      await expect(kurrent.client.appendToStream(stream, testEvent())).resolves.toMatchObject({
        nextExpectedRevision: 0n,
      });
    });

    it('applies a write whose reply is dropped, so an idempotent retry succeeds without duplicates', async () => {
      const stream = uniqueStream('fault-drop');
      const events = testEvents(2);
      kurrent.emulator.injectFaults({ kind: 'drop-after-write' });

      await expect(kurrent.client.appendToStream(stream, events, { streamState: NO_STREAM })).rejects.toBeInstanceOf(
        UnavailableError,
      );
      const retry = await kurrent.client.appendToStream(stream, events, { streamState: NO_STREAM });

      expect(retry.nextExpectedRevision).toBe(1n);
      expect(await readRevisions(kurrent.client, stream)).toEqual([0n, 1n]);
    });

    it('fails exactly `count` matching calls and leaves other methods alone', async () => {
      const stream = uniqueStream('fault-count');
      await kurrent.client.appendToStream(stream, testEvent());
      kurrent.emulator.injectFaults({ kind: 'unavailable', count: 2, methods: ['Read'] });

      await expect(kurrent.client.appendToStream(stream, testEvent())).resolves.toBeDefined();
      await expect(collect(kurrent.client.readStream(stream))).rejects.toBeInstanceOf(UnavailableError);
      await expect(collect(kurrent.client.readStream(stream))).rejects.toBeInstanceOf(UnavailableError);
      expect(await readRevisions(kurrent.client, stream)).toEqual([0n, 1n]);
    });
  });

  describe('reads, deletes and specs', () => {
    const kurrent = useKurrentTarget();

    it('maps each fault on a read (the Rust bridge) to the same error class', async () => {
      const stream = uniqueStream('fault-read');
      await kurrent.client.appendToStream(stream, testEvent());

      kurrent.emulator.injectFaults({ kind: 'unavailable', methods: ['Read'] });
      await expect(collect(kurrent.client.readStream(stream))).rejects.toBeInstanceOf(UnavailableError);
      kurrent.emulator.injectFaults({ kind: 'deadline-exceeded', methods: ['Read'] });
      await expect(collect(kurrent.client.readStream(stream))).rejects.toBeInstanceOf(DeadlineExceededError);
      kurrent.emulator.injectFaults({ kind: 'not-leader', methods: ['Read'] });
      await expect(collect(kurrent.client.readStream(stream))).rejects.toBeInstanceOf(NotLeaderError);
      expect(await readRevisions(kurrent.client, stream)).toEqual([0n]);
    });

    it('drops the reply of a tombstone after applying it', async () => {
      const stream = uniqueStream('fault-tombstone');
      await kurrent.client.appendToStream(stream, testEvent());
      kurrent.emulator.injectFaults({ kind: 'drop-after-write', methods: ['Tombstone'] });

      await expect(kurrent.client.tombstoneStream(stream)).rejects.toBeInstanceOf(UnavailableError);
      await expect(kurrent.client.appendToStream(stream, testEvent())).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('consumes specs in order and can be cleared', () => {
      kurrent.emulator.injectFaults({ kind: 'unavailable', count: 3 }, { kind: 'not-leader' });
      expect(kurrent.emulator.pendingFaults).toBe(4);

      kurrent.emulator.clearFaults();

      expect(kurrent.emulator.pendingFaults).toBe(0);
    });

    it('rejects specs that cannot apply', () => {
      expect(() => kurrent.emulator.injectFaults({ kind: 'drop-after-write', methods: ['Read'] })).toThrow(RangeError);
      expect(() => kurrent.emulator.injectFaults({ kind: 'unavailable', count: 0 })).toThrow(RangeError);
    });
  });
});
