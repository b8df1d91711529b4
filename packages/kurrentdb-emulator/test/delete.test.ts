import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  BACKWARDS,
  END,
  NO_STREAM,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import { againstRealServer, uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { collect, readRevisions, testEvent, testEvents } from './support/kurrent-client-helpers.js';

describe('deleteStream and tombstoneStream', () => {
  const kurrent = useKurrentTarget();

  describe('soft delete', () => {
    it('makes reads fail with StreamNotFoundError', async () => {
      const stream = uniqueStream('soft');
      await kurrent.client.appendToStream(stream, testEvents(2));

      await kurrent.client.deleteStream(stream, { expectedRevision: 1n });

      await expect(collect(kurrent.client.readStream(stream))).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    it('writes {"$tb": long.MaxValue} as the stream metadata', async () => {
      const stream = uniqueStream('soft-metadata');
      await kurrent.client.appendToStream(stream, testEvent());
      await kurrent.client.setStreamMetadata(stream, { maxCount: 5 });

      await kurrent.client.deleteStream(stream);

      const { metadata } = await kurrent.client.getStreamMetadata(stream);
      // The client reads the long as a JS number, so only its magnitude survives.
      expect(metadata?.truncateBefore).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
      expect(metadata?.maxCount).toBeUndefined();
    });

    it('is undone by an append, whose revisions continue after the old events', async () => {
      const stream = uniqueStream('soft-undelete');
      await kurrent.client.appendToStream(stream, testEvents(3));
      await kurrent.client.deleteStream(stream);

      const result = await kurrent.client.appendToStream(stream, testEvents(2), { streamState: NO_STREAM });

      expect(result.nextExpectedRevision).toBe(4n);
      expect(await readRevisions(kurrent.client, stream)).toEqual([3n, 4n]);
      expect((await kurrent.client.getStreamMetadata(stream)).metadata?.truncateBefore).toBe(3);
    });

    it('rejects a wrong expected revision with WrongExpectedVersionError', async () => {
      const stream = uniqueStream('soft-wev');
      await kurrent.client.appendToStream(stream, testEvents(2));

      const failure = kurrent.client.deleteStream(stream, { expectedRevision: 0n });

      await expect(failure).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(failure).rejects.toMatchObject({ streamName: stream, expectedState: 0n, actualState: 1n });
    });

    it('refuses to delete a stream that never existed (KurrentDB PR 3154)', async () => {
      const deletion = kurrent.client.deleteStream(uniqueStream('soft-missing'));

      if (againstRealServer) {
        // Servers before PR 3154 accept it; the Node client's own tests tolerate both.
        await deletion.catch((error: unknown) => expect(error).toBeInstanceOf(WrongExpectedVersionError));
      } else {
        await expect(deletion).rejects.toBeInstanceOf(WrongExpectedVersionError);
      }
    });
  });

  describe('tombstone', () => {
    let stream: string;
    let prefix: string;

    beforeAll(async () => {
      prefix = uniqueStream('tombstone');
      stream = `${prefix}-stream`;
      await kurrent.client.appendToStream(stream, testEvents(2));
      await kurrent.client.tombstoneStream(stream, { expectedRevision: 1n });
    });

    it('makes reads fail with StreamDeletedError', async () => {
      const failure = collect(kurrent.client.readStream(stream));

      await expect(failure).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(failure).rejects.toMatchObject({ streamName: stream });
    });

    it('makes appends, deletes and further tombstones fail with StreamDeletedError', async () => {
      await expect(kurrent.client.appendToStream(stream, testEvent())).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(kurrent.client.deleteStream(stream)).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(kurrent.client.tombstoneStream(stream)).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('reads its metadata stream as deleted: getStreamMetadata and a read of $$<stream> fail with StreamDeletedError', async () => {
      const tombstoned = uniqueStream('tombstone-meta');
      await kurrent.client.setStreamMetadata(tombstoned, { maxCount: 5 });
      await kurrent.client.appendToStream(tombstoned, testEvents(1));

      await kurrent.client.tombstoneStream(tombstoned);

      await expect(kurrent.client.getStreamMetadata(tombstoned)).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(collect(kurrent.client.readStream(`$$${tombstoned}`))).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('still accepts metadata writes, which continue the metadata stream, while reads stay deleted', async () => {
      const tombstoned = uniqueStream('tombstone-meta-write');
      await kurrent.client.setStreamMetadata(tombstoned, { maxCount: 5 });
      await kurrent.client.tombstoneStream(tombstoned);

      const written = await kurrent.client.setStreamMetadata(tombstoned, { maxCount: 7 });
      const again = await kurrent.client.setStreamMetadata(tombstoned, { maxCount: 8 }, { expectedRevision: 1n });

      expect(written).toMatchObject({ success: true, nextExpectedRevision: 1n });
      expect(again).toMatchObject({ success: true, nextExpectedRevision: 2n });
      await expect(kurrent.client.getStreamMetadata(tombstoned)).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(kurrent.client.appendToStream(tombstoned, testEvent())).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('leaves a $streamDeleted record in $all', async () => {
      const [last] = await collect(
        kurrent.client.readAll({
          direction: BACKWARDS,
          fromPosition: END,
          maxCount: 1,
          filter: streamNameFilter({ prefixes: [prefix] }),
        }),
      );

      expect(last!.event).toMatchObject({ streamId: stream, type: '$streamDeleted' });
    });

    it('accepts a stream that never existed, which can then never be written', async () => {
      const missing = uniqueStream('tombstone-missing');

      await kurrent.client.tombstoneStream(missing);

      await expect(kurrent.client.appendToStream(missing, testEvent())).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('rejects a wrong expected revision with WrongExpectedVersionError', async () => {
      const other = uniqueStream('tombstone-wev');
      await kurrent.client.appendToStream(other, testEvent());

      await expect(kurrent.client.tombstoneStream(other, { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(
        WrongExpectedVersionError,
      );
    });
  });
});
