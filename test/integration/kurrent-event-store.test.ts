import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import {
  ConcurrencyError,
  EventStoreError,
  InvalidConfigurationError,
  InvalidConnectionStringError,
  NO_STREAM,
  STREAM_EXISTS,
  StreamDeletedError,
  type EventData,
  type RecordedEvent,
} from 'mneme';
import { createKurrentEventStore, KurrentEventStore } from 'mneme/kurrent';
import { uniqueStream, useKurrentTarget } from '../support/kurrent-target.js';

// Every test here holds on a real KurrentDB too: it runs on the emulator, or on the server in
// KURRENTDB_CONNECTION_STRING when that is set (see test/support/kurrent-target.ts).

const events = (count: number, prefix = 'E'): EventData[] =>
  Array.from({ length: count }, (_, i) => ({ type: `${prefix}${i}`, data: { i } }));
const streamName = (label: string) => uniqueStream(`kes_${label}`);

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

describe(KurrentEventStore.name, () => {
  let store: KurrentEventStore;
  afterAll(async () => {
    await store?.close(); // declared first, so it runs before the target closes
  });

  const kurrent = useKurrentTarget();
  const connectionString = () => kurrent.target.connectionString;
  beforeAll(() => {
    store = new KurrentEventStore(connectionString(), { readPageSize: 3 });
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('reads page by page', () => {
    let s: string;
    beforeAll(async () => {
      s = streamName('paging');
      await store.appendToStream(s, events(10));
    });
    const revisions = async (options?: Parameters<KurrentEventStore['readStream']>[1]) =>
      (await collect(store.readStream(s, options))).map((e) => Number(e.revision));

    it('reads a stream longer than a page forwards, one request per page', async () => {
      const read = jest.spyOn(store.client, 'readStream');
      expect(await revisions()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // 3 + 3 + 3 + 1: the short last page ends the read.
      expect(read.mock.calls.map(([, options]) => options?.maxCount)).toEqual([3, 3, 3, 3]);
    });

    it('reads backwards across pages', async () => {
      expect(await revisions({ direction: 'backwards' })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    });

    it('honours maxCount across pages, in both directions and from a revision', async () => {
      expect(await revisions({ maxCount: 7 })).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(await revisions({ fromRevision: 2n, maxCount: 5 })).toEqual([2, 3, 4, 5, 6]);
      expect(await revisions({ direction: 'backwards', fromRevision: 8n, maxCount: 5 })).toEqual([8, 7, 6, 5, 4]);
      expect(await revisions({ direction: 'backwards', fromRevision: 1n, maxCount: 5 })).toEqual([1, 0]);
    });

    it('asks for no more than the page size, and stops asking when the reader stops', async () => {
      const read = jest.spyOn(store.client, 'readStream');
      for await (const event of store.readStream(s)) {
        if (event.revision === 1n) break;
      }
      expect(read).toHaveBeenCalledTimes(1);
      expect(read.mock.calls[0]![1]).toMatchObject({ maxCount: 3 });
    });

    it('ends cleanly when the stream length is a multiple of the page size', async () => {
      const even = streamName('even');
      await store.appendToStream(even, events(6));
      expect((await collect(store.readStream(even))).map((e) => e.type)).toEqual(['E0', 'E1', 'E2', 'E3', 'E4', 'E5']);
      expect(await collect(store.readStream(even, { direction: 'backwards' }))).toHaveLength(6);
    });
  });

  describe('deleted streams', () => {
    it('reads a soft-deleted stream as empty', async () => {
      const s = streamName('soft');
      await store.appendToStream(s, events(2));
      await store.client.deleteStream(s);
      expect(await collect(store.readStream(s))).toEqual([]);
      expect(await collect(store.readStream(s, { direction: 'backwards' }))).toEqual([]);
    });

    it('treats STREAM_EXISTS on a soft-deleted stream as a conflict with NO_STREAM', async () => {
      const s = streamName('soft-exists');
      await store.appendToStream(s, events(1));
      await store.client.deleteStream(s);
      const error = await store
        .appendToStream(s, events(1), { expectedRevision: STREAM_EXISTS })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamName: s, expected: STREAM_EXISTS, actual: NO_STREAM });
    });

    it('raises StreamDeletedError on append to and read of a tombstoned stream', async () => {
      const s = streamName('tombstoned');
      await store.appendToStream(s, events(1));
      await store.client.tombstoneStream(s);

      const onAppend = await store.appendToStream(s, events(1)).catch((e: unknown) => e);
      expect(onAppend).toBeInstanceOf(StreamDeletedError);
      expect(onAppend).toMatchObject({
        code: 'MNEME_STREAM_DELETED',
        streamName: s,
        operation: 'append',
        transient: false,
      });
      expect((onAppend as StreamDeletedError).cause).toMatchObject({ type: 'stream-deleted' });

      const onRead = await collect(store.readStream(s)).catch((e: unknown) => e);
      expect(onRead).toBeInstanceOf(StreamDeletedError);
      expect(onRead).toMatchObject({ streamName: s, operation: 'read' });
    });

    it('accepts setStreamMaxCount on a tombstoned stream, as the server takes its metadata writes, and reads stay StreamDeletedError', async () => {
      const s = streamName('tombstoned-max-count');
      await store.appendToStream(s, events(2));
      await store.client.tombstoneStream(s);

      await store.setStreamMaxCount(s, 1);

      await expect(collect(store.readStream(s))).rejects.toThrow(StreamDeletedError);
    });

    it('raises StreamDeletedError for STREAM_EXISTS on a tombstoned stream too', async () => {
      const s = streamName('tombstoned-exists');
      await store.appendToStream(s, events(1));
      await store.client.tombstoneStream(s);
      await expect(store.appendToStream(s, events(1), { expectedRevision: STREAM_EXISTS })).rejects.toThrow(
        StreamDeletedError,
      );
    });
  });

  describe('empty appends', () => {
    it('write nothing and follow the expected-revision rules', async () => {
      const s = streamName('empty');
      expect(await store.appendToStream(s, [])).toEqual({ nextExpectedRevision: -1n });
      await expect(store.appendToStream(s, [], { expectedRevision: STREAM_EXISTS })).rejects.toThrow(ConcurrencyError);
      await store.appendToStream(s, events(2));
      expect(await store.appendToStream(s, [], { expectedRevision: 1n })).toEqual({ nextExpectedRevision: 1n });
      await expect(store.appendToStream(s, [], { expectedRevision: NO_STREAM })).rejects.toMatchObject({ actual: 1n });
      expect(await collect(store.readStream(s))).toHaveLength(2);
    });
  });

  describe('construction and closing', () => {
    it('closes a client it created, once however often it is closed', async () => {
      const own = new KurrentEventStore(connectionString());
      const dispose = jest.spyOn(own.client, 'dispose');
      await own.close();
      await own.close();
      expect(dispose).toHaveBeenCalledTimes(1);
    });

    it('leaves a client it was given open, for its owner to close', async () => {
      const client = KurrentDBClient.connectionString(connectionString());
      const dispose = jest.spyOn(client, 'dispose');
      const borrowed = new KurrentEventStore(client);
      const s = streamName('borrowed');
      await borrowed.appendToStream(s, events(1));
      expect(await collect(borrowed.readStream(s))).toHaveLength(1);
      await borrowed.close();
      expect(dispose).not.toHaveBeenCalled();
      dispose.mockRestore();
      await client.dispose();
    });

    it('refuses to work once closed', async () => {
      const closed = new KurrentEventStore(connectionString());
      await closed.close();
      await expect(closed.appendToStream(streamName('closed'), events(1))).rejects.toThrow(EventStoreError);
      await expect(collect(closed.readStream(streamName('closed')))).rejects.toThrow(/was closed/);
    });

    it('reads KURRENTDB_CONNECTION_STRING from the given environment', async () => {
      const fromEnv = KurrentEventStore.fromEnvironment({ KURRENTDB_CONNECTION_STRING: connectionString() });
      const s = streamName('env');
      await fromEnv.appendToStream(s, events(1));
      expect(await collect(store.readStream(s))).toHaveLength(1);
      await fromEnv.close();
    });

    it('says which variable to set when the environment has no connection string', () => {
      expect(() => KurrentEventStore.fromEnvironment({})).toThrow(InvalidConnectionStringError);
      expect(() => KurrentEventStore.fromEnvironment({ KURRENTDB_CONNECTION_STRING: ' ' })).toThrow(
        /KURRENTDB_CONNECTION_STRING/,
      );
    });

    it('rejects a malformed connection string with a Mneme error', () => {
      const error = (() => {
        try {
          return new KurrentEventStore('postgres://localhost:5432');
        } catch (e) {
          return e;
        }
      })();
      expect(InvalidConnectionStringError.is(error)).toBe(true);
      expect((error as Error).message).toContain('kurrentdb://');
    });

    it('rejects a page size that is not a positive integer', () => {
      expect(() => new KurrentEventStore(connectionString(), { readPageSize: 0 })).toThrow(InvalidConfigurationError);
    });

    it('is built by createKurrentEventStore from a string, a client or an options object', async () => {
      const client = KurrentDBClient.connectionString(connectionString());
      const stores = [
        createKurrentEventStore(connectionString()),
        createKurrentEventStore(client),
        createKurrentEventStore({ connectionString: connectionString(), readPageSize: 2 }),
        createKurrentEventStore({ client }),
        createKurrentEventStore({ env: { KURRENTDB_CONNECTION_STRING: connectionString() } }),
      ];
      for (const created of stores) {
        expect(created).toBeInstanceOf(KurrentEventStore);
        const s = streamName('factory');
        await created.appendToStream(s, events(3));
        expect(await collect(created.readStream(s))).toHaveLength(3);
        await created.close();
      }
      expect(() => createKurrentEventStore({ env: {} })).toThrow(InvalidConnectionStringError);
      await client.dispose();
    });
  });
});
