import { describe, expect, it } from '@jest/globals';
import {
  ANY,
  AppendConsistencyViolationError,
  NO_STREAM,
  STREAM_EXISTS,
  STREAM_STATE,
  StreamTombstonedError,
  TransactionMaxSizeExceededError,
  AppendRecordSizeExceededError,
  StreamNotFoundError,
  UnsupportedError,
  KurrentDBClient,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendRecordInput,
  type ConsistencyCheck,
} from '@kurrent/kurrentdb-client';
import { describeEmulatorOnly, uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { readEvents, readRevisions, testEvents } from './support/kurrent-client-helpers.js';

/** Revisions of a stream, none when it was never written (the raw client throws StreamNotFoundError then). */
const revisionsOf = (client: KurrentDBClient, stream: string) =>
  readRevisions(client, stream).catch((error: unknown) => {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  });

const record = (streamName: string, data: Record<string, unknown> = { key: 'value' }): AppendRecordInput => ({
  streamName,
  record: jsonEvent({ type: 'test-event-type', data }),
});
const check = (streamName: string, expectedState: ConsistencyCheck['expectedState']): ConsistencyCheck => ({
  type: STREAM_STATE,
  streamName,
  expectedState,
});

// Server versions are the emulator's to choose: what each version offers and refuses.
describeEmulatorOnly('the v2 StreamsService on a 26.1 server', () => {
  const kurrent = useKurrentTarget({
    serverVersion: '26.1.0',
    maxAppendSize: 64 * 1024,
    maxAppendEventSize: 16 * 1024,
  });

  describe('AppendSession (multiStreamAppend)', () => {
    it('writes every stream in one commit and reads back with the schema properties in the metadata', async () => {
      const [a, b] = [uniqueStream('a'), uniqueStream('b')];
      const result = await kurrent.client.multiStreamAppend([
        { streamName: a, events: testEvents(2), expectedState: NO_STREAM },
        { streamName: b, events: [jsonEvent({ type: 'test', data: {}, metadata: { name: 'x' } })], expectedState: ANY },
      ]);
      expect(result.responses).toEqual([
        { streamName: a, revision: 1n },
        { streamName: b, revision: 0n },
      ]);
      const [read] = await readEvents(kurrent.client, b);
      expect(read!.metadata).toEqual({ name: 'x', '$schema.name': 'test', '$schema.format': 'Json' });
      expect(read!.position!.commit).toBe(result.position);
      expect(await revisionsOf(kurrent.client, a)).toEqual([0n, 1n]);
    });

    it('answers a revision conflict with WrongExpectedVersionError for the first failing stream, writing nothing', async () => {
      const [a, b] = [uniqueStream('a'), uniqueStream('b')];
      await kurrent.client.appendToStream(b, testEvents(1));
      const failure = kurrent.client.multiStreamAppend([
        { streamName: a, events: testEvents(1), expectedState: NO_STREAM },
        { streamName: b, events: testEvents(1), expectedState: NO_STREAM },
      ]);
      await expect(failure).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(failure).rejects.toMatchObject({ streamName: b, expectedState: NO_STREAM, actualState: 0n });
      expect(await revisionsOf(kurrent.client, a)).toEqual([]);
    });

    it('answers a tombstoned stream with StreamTombstonedError', async () => {
      const stream = uniqueStream('gone');
      await kurrent.client.tombstoneStream(stream);
      const failure = kurrent.client.multiStreamAppend([
        { streamName: stream, events: testEvents(1), expectedState: STREAM_EXISTS },
      ]);
      await expect(failure).rejects.toBeInstanceOf(StreamTombstonedError);
    });

    it('refuses the same stream twice in a session, ignoring case', async () => {
      const stream = uniqueStream('twice');
      const failure = kurrent.client.multiStreamAppend([
        { streamName: stream, events: testEvents(1), expectedState: ANY },
        { streamName: stream.toUpperCase(), events: testEvents(1), expectedState: ANY },
      ]);
      await expect(failure).rejects.toThrow(/already has a different group of messages/);
      expect(await revisionsOf(kurrent.client, stream)).toEqual([]);
    });

    it('answers a re-sent session with the first answer (same ids), writing nothing', async () => {
      const [a, b] = [uniqueStream('a'), uniqueStream('b')];
      const requests = [
        { streamName: a, events: testEvents(2), expectedState: NO_STREAM },
        { streamName: b, events: testEvents(1), expectedState: NO_STREAM },
      ] as const;
      const first = await kurrent.client.multiStreamAppend([...requests]);
      const again = await kurrent.client.multiStreamAppend([...requests]);
      expect(again).toEqual(first);
      expect(await revisionsOf(kurrent.client, a)).toEqual([0n, 1n]);
    });

    it('refuses a session over MaxAppendSize (TransactionMaxSizeExceededError) and a record over MaxAppendEventSize', async () => {
      const [a, b] = [uniqueStream('a'), uniqueStream('b')];
      const big = (n: number) => jsonEvent({ type: 'big', data: { text: 'x'.repeat(n) } });
      await expect(
        kurrent.client.multiStreamAppend([
          { streamName: a, events: [big(12 * 1024), big(12 * 1024), big(12 * 1024)], expectedState: ANY },
          { streamName: b, events: [big(12 * 1024), big(12 * 1024), big(12 * 1024)], expectedState: ANY },
        ]),
      ).rejects.toBeInstanceOf(TransactionMaxSizeExceededError);
      await expect(
        kurrent.client.multiStreamAppend([{ streamName: a, events: [big(17 * 1024)], expectedState: ANY }]),
      ).rejects.toBeInstanceOf(AppendRecordSizeExceededError);
      expect(await revisionsOf(kurrent.client, a)).toEqual([]);
    });
  });

  describe('AppendRecords (appendRecords with consistency checks)', () => {
    it('interleaves records across streams and tracks each revision', async () => {
      const [a, b] = [uniqueStream('a'), uniqueStream('b')];
      const result = await kurrent.client.appendRecords([
        record(a, { order: 1 }),
        record(b, { order: 2 }),
        record(a, { order: 3 }),
      ]);
      expect([...result.responses].sort((x, y) => x.streamName.localeCompare(y.streamName))).toEqual(
        [
          { streamName: a, revision: 1n },
          { streamName: b, revision: 0n },
        ].sort((x, y) => x.streamName.localeCompare(y.streamName)),
      );
      expect((await readEvents(kurrent.client, a)).map((e) => (e!.data as { order: number }).order)).toEqual([1, 3]);
    });

    it('reports every failing check with its index, expected and actual state, writing nothing', async () => {
      const [write, existing, missing, deleted, gone] = ['w', 'e', 'm', 'd', 'g'].map(uniqueStream) as [
        string,
        string,
        string,
        string,
        string,
      ];
      await kurrent.client.appendToStream(existing, testEvents(3));
      await kurrent.client.appendToStream(deleted, testEvents(1));
      await kurrent.client.deleteStream(deleted);
      await kurrent.client.appendToStream(gone, testEvents(1));
      await kurrent.client.tombstoneStream(gone);
      const failure = (await kurrent.client
        .appendRecords(
          [record(write)],
          [check(existing, 5n), check(missing, STREAM_EXISTS), check(deleted, STREAM_EXISTS), check(gone, 0n)],
        )
        .catch((error: unknown) => error)) as AppendConsistencyViolationError;
      expect(failure).toBeInstanceOf(AppendConsistencyViolationError);
      expect(failure.violations).toEqual([
        { checkIndex: 0, streamName: existing, expectedState: 5n, actualState: 2n },
        { checkIndex: 1, streamName: missing, expectedState: STREAM_EXISTS, actualState: NO_STREAM },
        { checkIndex: 2, streamName: deleted, expectedState: STREAM_EXISTS, actualState: -5n },
        { checkIndex: 3, streamName: gone, expectedState: 0n, actualState: -6n },
      ]);
      expect(await revisionsOf(kurrent.client, write)).toEqual([]);
    });

    it('passes NO_STREAM checks on missing, soft-deleted and tombstoned streams', async () => {
      const [write, deleted, gone] = ['w', 'd', 'g'].map(uniqueStream) as [string, string, string];
      await kurrent.client.appendToStream(deleted, testEvents(1));
      await kurrent.client.deleteStream(deleted);
      await kurrent.client.appendToStream(gone, testEvents(1));
      await kurrent.client.tombstoneStream(gone);
      const result = await kurrent.client.appendRecords(
        [record(write)],
        [check(uniqueStream('m'), NO_STREAM), check(deleted, NO_STREAM), check(gone, NO_STREAM)],
      );
      expect(result.responses).toEqual([{ streamName: write, revision: 0n }]);
    });

    it('refuses an ANY check and two checks on one stream as invalid requests', async () => {
      const [write, checked] = [uniqueStream('w'), uniqueStream('c')];
      await expect(kurrent.client.appendRecords([record(write)], [check(checked, ANY)])).rejects.toThrow(
        /Any \(-2\) is not allowed/,
      );
      await expect(
        kurrent.client.appendRecords([record(write)], [check(checked, NO_STREAM), check(checked, NO_STREAM)]),
      ).rejects.toThrow(/only appear once in consistency checks/);
      expect(await revisionsOf(kurrent.client, write)).toEqual([]);
    });

    it('refuses an event type outside the schema-name rule', async () => {
      const stream = uniqueStream('w');
      await expect(
        kurrent.client.appendRecords([{ streamName: stream, record: jsonEvent({ type: 'has space', data: {} }) }]),
      ).rejects.toThrow(/Schema name can only contain/);
    });
  });
});

describeEmulatorOnly('the v2 StreamsService on older servers', () => {
  describe('25.1: AppendSession only', () => {
    const kurrent = useKurrentTarget({ serverVersion: '25.1.0' });
    it('offers multiStreamAppend but answers appendRecords with UnsupportedError, without a call', async () => {
      const stream = uniqueStream('a');
      await kurrent.client.multiStreamAppend([{ streamName: stream, events: testEvents(1), expectedState: ANY }]);
      await expect(kurrent.client.appendRecords([record(stream)])).rejects.toBeInstanceOf(UnsupportedError);
      expect(kurrent.emulator.rpcLog).not.toContain('/kurrentdb.protocol.v2.streams.StreamsService/AppendRecords');
    });
  });

  describe('24.10: neither', () => {
    const kurrent = useKurrentTarget({ serverVersion: '24.10.0' });
    it('answers multiStreamAppend with UnsupportedError', async () => {
      await expect(
        kurrent.client.multiStreamAppend([
          { streamName: uniqueStream('a'), events: testEvents(1), expectedState: ANY },
        ]),
      ).rejects.toBeInstanceOf(UnsupportedError);
    });
  });
});
