import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  ANY,
  MaxAppendSizeExceededError,
  NO_STREAM,
  STREAM_EXISTS,
  StreamDeletedError,
  WrongExpectedVersionError,
  binaryEvent,
  jsonEvent,
} from '@kurrent/kurrentdb-client';
import { appendPaths, describeEmulatorOnly, uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { readEvents, readRevisions, testEvent, testEvents } from './support/kurrent-client-helpers.js';

describe.each(appendPaths())('appendToStream through %s', (label, options) => {
  const kurrent = useKurrentTarget(options);

  describe('revisions and positions', () => {
    it('numbers events from 0 and reports the last revision and a growing position', async () => {
      const stream = uniqueStream('append');
      const first = await kurrent.client.appendToStream(stream, testEvents(3), { streamState: NO_STREAM });
      const second = await kurrent.client.appendToStream(stream, testEvent(), { streamState: 2n });

      expect(first).toMatchObject({ success: true, nextExpectedRevision: 2n });
      expect(second.nextExpectedRevision).toBe(3n);
      expect(second.position!.commit).toBeGreaterThan(first.position!.commit);
      expect(await readRevisions(kurrent.client, stream)).toEqual([0n, 1n, 2n, 3n]);
    });
  });

  describe('NO_STREAM', () => {
    it('rejects a stream that has events with WrongExpectedVersionError', async () => {
      const stream = uniqueStream('no-stream');
      await kurrent.client.appendToStream(stream, testEvent(), { streamState: NO_STREAM });

      const failure = kurrent.client.appendToStream(stream, testEvent(), { streamState: NO_STREAM });

      await expect(failure).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(failure).rejects.toMatchObject({ streamName: stream, expectedState: NO_STREAM, actualState: 0n });
    });

    it('treats the same events appended again as idempotent (strong idempotency)', async () => {
      const stream = uniqueStream('no-stream-idempotent');
      const events = testEvents(2);
      const original = await kurrent.client.appendToStream(stream, events, { streamState: NO_STREAM });

      const retry = await kurrent.client.appendToStream(stream, events, { streamState: NO_STREAM });

      expect(retry.nextExpectedRevision).toBe(1n);
      expect(retry.position).toEqual(original.position);
      expect(await readRevisions(kurrent.client, stream)).toEqual([0n, 1n]);
    });
  });

  describe('ANY', () => {
    it('writes to new and existing streams', async () => {
      const stream = uniqueStream('any');
      await kurrent.client.appendToStream(stream, testEvent(), { streamState: ANY });
      const result = await kurrent.client.appendToStream(stream, testEvent(), { streamState: ANY });

      expect(result.nextExpectedRevision).toBe(1n);
    });

    it('returns the original revision and position for ids already written, writing nothing (weak idempotency)', async () => {
      const stream = uniqueStream('any-idempotent');
      const events = testEvents(2);
      const original = await kurrent.client.appendToStream(stream, events, { streamState: ANY });
      await kurrent.client.appendToStream(stream, testEvent(), { streamState: ANY });

      const retry = await kurrent.client.appendToStream(stream, events, { streamState: ANY });

      expect(retry).toMatchObject({ success: true, nextExpectedRevision: 1n, position: original.position });
      expect(await readRevisions(kurrent.client, stream)).toEqual([0n, 1n, 2n]);
    });

    it('rejects a retry whose first id was written but a later one was not (CorruptedIdempotency)', async () => {
      const stream = uniqueStream('any-corrupted');
      const written = testEvent();
      await kurrent.client.appendToStream(stream, written, { streamState: ANY });

      const failure = kurrent.client.appendToStream(stream, [written, testEvent()], { streamState: ANY });

      await expect(failure).rejects.toBeInstanceOf(WrongExpectedVersionError);
    });
  });

  describe('STREAM_EXISTS', () => {
    it('rejects a stream that never existed', async () => {
      const stream = uniqueStream('exists-missing');

      const failure = kurrent.client.appendToStream(stream, testEvent(), { streamState: STREAM_EXISTS });

      await expect(failure).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(failure).rejects.toMatchObject({ expectedState: STREAM_EXISTS, actualState: NO_STREAM });
    });

    it('accepts a stream with events', async () => {
      const stream = uniqueStream('exists');
      await kurrent.client.appendToStream(stream, testEvent());

      const result = await kurrent.client.appendToStream(stream, testEvent(), { streamState: STREAM_EXISTS });

      expect(result.nextExpectedRevision).toBe(1n);
    });

    it('counts a stream with metadata but no events as existing', async () => {
      const stream = uniqueStream('exists-metadata-only');
      await kurrent.client.setStreamMetadata(stream, { maxCount: 10 });

      const result = await kurrent.client.appendToStream(stream, testEvent(), { streamState: STREAM_EXISTS });

      expect(result.nextExpectedRevision).toBe(0n);
    });

    it('reports a soft-deleted stream as deleted, not as a version conflict', async () => {
      const stream = uniqueStream('exists-soft-deleted');
      await kurrent.client.appendToStream(stream, testEvent());
      await kurrent.client.deleteStream(stream);

      const failure = kurrent.client.appendToStream(stream, testEvent(), { streamState: STREAM_EXISTS });

      await expect(failure).rejects.toBeInstanceOf(StreamDeletedError);
    });
  });

  describe('exact revision', () => {
    it('accepts the current revision', async () => {
      const stream = uniqueStream('exact');
      await kurrent.client.appendToStream(stream, testEvents(2));

      const result = await kurrent.client.appendToStream(stream, testEvent(), { streamState: 1n });

      expect(result.nextExpectedRevision).toBe(2n);
    });

    it('rejects a revision ahead of the stream, reporting both revisions', async () => {
      const stream = uniqueStream('exact-ahead');
      await kurrent.client.appendToStream(stream, testEvents(2));

      const failure = kurrent.client.appendToStream(stream, testEvent(), { streamState: 5n });

      await expect(failure).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(failure).rejects.toMatchObject({ streamName: stream, expectedState: 5n, actualState: 1n });
    });

    it('rejects a stale revision when the events differ', async () => {
      const stream = uniqueStream('exact-stale');
      await kurrent.client.appendToStream(stream, testEvents(3));

      const failure = kurrent.client.appendToStream(stream, testEvent(), { streamState: 0n });

      await expect(failure).rejects.toMatchObject({ expectedState: 0n, actualState: 2n });
    });

    it('accepts a stale revision when the events are the ones written after it (strong idempotency)', async () => {
      const stream = uniqueStream('exact-idempotent');
      const retried = testEvents(2);
      await kurrent.client.appendToStream(stream, testEvent());
      await kurrent.client.appendToStream(stream, retried, { streamState: 0n });
      await kurrent.client.appendToStream(stream, testEvent(), { streamState: 2n });

      const retry = await kurrent.client.appendToStream(stream, retried, { streamState: 0n });

      expect(retry.nextExpectedRevision).toBe(2n);
      expect(await readRevisions(kurrent.client, stream)).toEqual([0n, 1n, 2n, 3n]);
    });

    it('rejects an empty append at a stale revision, as nothing can match it', async () => {
      const stream = uniqueStream('exact-stale-empty');
      await kurrent.client.appendToStream(stream, testEvents(2));

      const failure = kurrent.client.appendToStream(stream, [], { streamState: 0n });

      await expect(failure).rejects.toMatchObject({ expectedState: 0n, actualState: 1n });
    });

    it('rejects a revision on a stream that never existed', async () => {
      const failure = kurrent.client.appendToStream(uniqueStream('exact-missing'), testEvent(), { streamState: 0n });

      await expect(failure).rejects.toMatchObject({ expectedState: 0n, actualState: NO_STREAM });
    });
  });

  describe('deleted streams', () => {
    it('rejects every append to a tombstoned stream with StreamDeletedError', async () => {
      const stream = uniqueStream('append-tombstoned');
      await kurrent.client.appendToStream(stream, testEvent());
      await kurrent.client.tombstoneStream(stream);

      for (const streamState of [ANY, NO_STREAM, STREAM_EXISTS, 0n] as const) {
        const failure = kurrent.client.appendToStream(stream, testEvent(), { streamState });
        await expect(failure).rejects.toBeInstanceOf(StreamDeletedError);
        await expect(failure).rejects.toMatchObject({ streamName: stream });
      }
    });
  });

  describe('payloads', () => {
    it('round-trips JSON and binary data, custom metadata and event ids', async () => {
      const stream = uniqueStream('payloads');
      const id = randomUUID();
      const binary = new Uint8Array([0, 1, 2, 250]);
      await kurrent.client.appendToStream(stream, [
        jsonEvent({ id, type: 'Json', data: { text: 'héllo' }, metadata: { correlation: 'c-1' } }),
        binaryEvent({ type: 'Binary', data: binary }),
      ]);

      const [json, bytes] = await readEvents(kurrent.client, stream);

      expect(json).toMatchObject({
        id,
        type: 'Json',
        isJson: true,
        data: { text: 'héllo' },
        metadata: { correlation: 'c-1' },
      });
      expect(bytes).toMatchObject({ type: 'Binary', isJson: false });
      expect(Buffer.from(bytes!.data as Uint8Array)).toEqual(Buffer.from(binary));
    });
  });

  describeEmulatorOnly(`emulator specifics (${label})`, () => {
    it(`appends through ${label} only, as ServerFeatures advertised`, async () => {
      const other = label === 'BatchAppend' ? 'Append' : 'BatchAppend';
      await kurrent.client.appendToStream(uniqueStream('path'), testEvent());

      // BatchAppend is one long-lived call per client, so look at the whole log.
      expect(kurrent.emulator.rpcLog).toContain(`/event_store.client.streams.Streams/${label}`);
      expect(kurrent.emulator.rpcLog).not.toContain(`/event_store.client.streams.Streams/${other}`);
    });

    it('rejects an append over the 1 MiB default with MaxAppendSizeExceededError', async () => {
      const oversized = binaryEvent({ type: 'Big', data: new Uint8Array(1024 * 1024 + 1) });

      const failure = kurrent.client.appendToStream(uniqueStream('too-big'), oversized);

      await expect(failure).rejects.toBeInstanceOf(MaxAppendSizeExceededError);
      await expect(failure).rejects.toMatchObject({ maxAppendSize: 1024 * 1024 });
    });

    it('counts the size of the whole append, not of one event', async () => {
      const stream = uniqueStream('too-big-total');
      const events = Array.from({ length: 3 }, () => binaryEvent({ type: 'Chunk', data: new Uint8Array(400 * 1024) }));

      await expect(kurrent.client.appendToStream(stream, events)).rejects.toBeInstanceOf(MaxAppendSizeExceededError);
      await expect(kurrent.client.appendToStream(stream, events.slice(0, 2))).resolves.toMatchObject({
        nextExpectedRevision: 1n,
      });
    });
  });
});
