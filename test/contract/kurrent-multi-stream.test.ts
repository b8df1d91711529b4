import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ANY,
  EventStoreUnavailableError,
  MultiStreamAppendUnsupportedError,
  MultiStreamConcurrencyError,
  NO_STREAM,
  STREAM_EXISTS,
  appendToStreams,
  type EventData,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentEmulator, type KurrentEmulator } from 'mneme/testing';
import { collect } from '../support/collect.js';
import { describeMultiStreamContract, type MultiStreamStoreUnderTest } from './multi-stream-contract.js';

const deletion = (store: KurrentEventStore) => async (streamName: string, hard: boolean) => {
  if (hard) await store.client.tombstoneStream(streamName);
  else await store.client.deleteStream(streamName);
};

async function onEmulator(
  serverVersion: string,
): Promise<MultiStreamStoreUnderTest & { store: KurrentEventStore; emulator: KurrentEmulator }> {
  const emulator = await startKurrentEmulator({ serverVersion, maxAppendSize: 1024 * 1024 });
  const store = new KurrentEventStore(emulator.connectionString, { readPageSize: 2 });
  return {
    store,
    emulator,
    maxAppendSize: 1024 * 1024,
    deleteStream: deletion(store),
    close: async () => {
      await store.close();
      await emulator.close();
      if (emulator.handlerErrors.length > 0)
        throw new AggregateError(emulator.handlerErrors, 'kurrent-emulator handlers threw');
    },
  };
}

// KurrentDB 26.1 has AppendRecords: checks, and every failed stream named.
describeMultiStreamContract(`${KurrentEventStore.name} on the emulator as KurrentDB 26.1`, () => onEmulator('26.1.0'), {
  deletes: true,
  knowsMaxAppendSize: true,
});

const realServer = process.env.KURRENTDB_CONNECTION_STRING;
if (realServer && process.env.KURRENTDB_MULTI_STREAM_CONTRACT === '1') {
  describeMultiStreamContract(
    `${KurrentEventStore.name} on the real server in KURRENTDB_CONNECTION_STRING (26.1+)`,
    async () => {
      const store = KurrentEventStore.fromEnvironment();
      return { store, deleteStream: deletion(store), close: () => store.close() };
    },
    { deletes: true, knowsMaxAppendSize: false },
  );
} else {
  // The contract needs AppendRecords (26.1+); the default docker-compose image is older.
  describe.skip('appendToStreams contract on a real server (set KURRENTDB_MULTI_STREAM_CONTRACT=1 with a 26.1+ server)', () => {
    it('runs the whole appendToStreams contract against the server in KURRENTDB_CONNECTION_STRING', () => undefined);
  });
}

const event = (type: string): EventData => ({ id: randomUUID(), type, data: {} });
const stream = (label: string) => `multi_${label}-${randomUUID().replace(/-/g, '')}`;

describe(`${KurrentEventStore.name}.appendToStreams when the reply is lost`, () => {
  let subject: Awaited<ReturnType<typeof onEmulator>>;
  beforeAll(async () => {
    subject = await onEmulator('26.1.0');
  });
  afterAll(() => subject.close!());

  it('fails as unavailable (transient), and the re-sent call with the same ids is answered without writing twice', async () => {
    const [a, b] = [stream('a'), stream('b')];
    const requests = [
      { streamName: a, events: [event('A.One')], expectedRevision: NO_STREAM },
      { streamName: b, events: [event('B.One')], expectedRevision: NO_STREAM },
    ];
    subject.emulator.injectFaults({ kind: 'drop-after-write', methods: ['AppendRecords'] });
    const lost = await appendToStreams(subject.store, requests).catch((error: unknown) => error);
    expect(EventStoreUnavailableError.is(lost)).toBe(true);
    const again = await appendToStreams(subject.store, requests);
    expect(again.streams).toEqual([
      { streamName: a, nextExpectedRevision: 0n },
      { streamName: b, nextExpectedRevision: 0n },
    ]);
    expect((await collect(subject.store.readStream(a))).length).toBe(1);
    expect((await collect(subject.store.readStream(b))).length).toBe(1);
  });
});

describe(`${KurrentEventStore.name}.appendToStreams on KurrentDB 25.1 (AppendSession, no AppendRecords)`, () => {
  let subject: Awaited<ReturnType<typeof onEmulator>>;
  beforeAll(async () => {
    subject = await onEmulator('25.1.0');
  });
  afterAll(() => subject.close!());

  it('writes every stream atomically through multiStreamAppend', async () => {
    const [a, b] = [stream('a'), stream('b')];
    const result = await appendToStreams(subject.store, [
      { streamName: a, events: [event('A.One')], expectedRevision: NO_STREAM },
      { streamName: b, events: [event('B.One'), event('B.Two')] },
    ]);
    expect(result.streams).toEqual([
      { streamName: a, nextExpectedRevision: 0n },
      { streamName: b, nextExpectedRevision: 1n },
    ]);
    expect(subject.emulator.rpcLog).toContain('/kurrentdb.protocol.v2.streams.StreamsService/AppendSession');
    expect(subject.emulator.rpcLog).not.toContain('/kurrentdb.protocol.v2.streams.StreamsService/AppendRecords');
  });

  it('names the first failed stream only, as the server reports one, and writes nothing', async () => {
    const [a, b, c] = [stream('a'), stream('b'), stream('c')];
    await subject.store.appendToStream(b, [event('B.Zero')]);
    await subject.store.appendToStream(c, [event('C.Zero')]);
    const failure = await appendToStreams(subject.store, [
      { streamName: a, events: [event('A.One')] },
      { streamName: b, events: [event('B.One')], expectedRevision: NO_STREAM },
      { streamName: c, events: [event('C.One')], expectedRevision: NO_STREAM },
    ]).catch((error: unknown) => error);
    expect((failure as MultiStreamConcurrencyError).conflicts).toEqual([
      { streamName: b, role: 'append', expected: NO_STREAM, actual: 0n },
    ]);
    expect(await collect(subject.store.readStream(a))).toEqual([]);
  });

  it('turns STREAM_EXISTS on a soft-deleted stream (answered as tombstoned) into a conflict with NO_STREAM', async () => {
    const deleted = stream('deleted');
    await subject.store.appendToStream(deleted, [event('D.Zero')]);
    await subject.deleteStream!(deleted, false);
    const failure = await appendToStreams(subject.store, [
      { streamName: deleted, events: [event('D.One')], expectedRevision: STREAM_EXISTS },
    ]).catch((error: unknown) => error);
    expect((failure as MultiStreamConcurrencyError).conflicts).toEqual([
      { streamName: deleted, role: 'append', expected: STREAM_EXISTS, actual: NO_STREAM },
    ]);
  });

  it('refuses checks with MultiStreamAppendUnsupportedError, saying the server lacks AppendRecords, writing nothing', async () => {
    const a = stream('a');
    const failure = await appendToStreams(subject.store, [{ streamName: a, events: [event('A.One')] }], {
      checks: [{ streamName: stream('checked'), expectedRevision: NO_STREAM }],
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MultiStreamAppendUnsupportedError);
    expect(failure).toMatchObject({ capability: 'checks', store: 'KurrentEventStore' });
    expect((failure as Error).message).toMatch(/AppendRecords/);
    expect(await collect(subject.store.readStream(a))).toEqual([]);
  });
});

describe(`${KurrentEventStore.name}.appendToStreams on KurrentDB 24.10`, () => {
  let subject: Awaited<ReturnType<typeof onEmulator>>;
  beforeAll(async () => {
    subject = await onEmulator('24.10.0');
  });
  afterAll(() => subject.close!());

  it('fails with MultiStreamAppendUnsupportedError saying the server lacks AppendSession, without calling it', async () => {
    const a = stream('a');
    const failure = await appendToStreams(subject.store, [
      { streamName: a, events: [event('A.One')], expectedRevision: ANY },
    ]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MultiStreamAppendUnsupportedError);
    expect(failure).toMatchObject({ capability: 'appendToStreams' });
    expect((failure as Error).message).toMatch(/AppendSession/);
    expect(subject.emulator.rpcLog.some((path) => path.includes('v2.streams'))).toBe(false);
  });
});
