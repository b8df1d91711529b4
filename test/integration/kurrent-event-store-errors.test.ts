import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  EventStoreError,
  EventStoreUnavailableError,
  EventTooLargeError,
  InvalidConnectionStringError,
  InvalidEventError,
  NO_STREAM,
  type EventData,
  type RecordedEvent,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { describeEmulatorOnly, uniqueStream, useKurrentTarget } from '../support/kurrent-target.js';

const PASSWORD = 'Sup3r-s3cret';
const streamName = (label: string) => uniqueStream(`kes-errors_${label}`);
const event = (type: string, data: unknown = {}): EventData => ({ id: randomUUID(), type, data });

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const recorded of iterable) out.push(recorded);
  return out;
}

/** Every string reachable from an error (message, stack, fields, causes), to search for secrets. */
function stringsIn(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const keys = [...Object.getOwnPropertyNames(value), 'message', 'stack', 'cause'];
  return keys.flatMap((key) => stringsIn((value as Record<string, unknown>)[key], seen));
}

/** `kurrentdb://127.0.0.1:PORT?...` with user info added, as a real deployment would have. */
function withCredentials(connectionString: string): string {
  return connectionString.replace('://', `://admin:${PASSWORD}@`);
}

/** A connection string, in the emulator's form, to a loopback port that nothing listens on any more. */
async function unreachableConnectionString(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return `kurrentdb://127.0.0.1:${port}?tls=false&discoveryInterval=1`;
}

// Emulator-only: every test here injects a fault (`emulator.injectFaults`) or needs the emulator's
// small configured maxAppendSize (a real 25.1+ server allows 256 MiB per append).
for (const batchAppend of [true, false]) {
  describeEmulatorOnly(`${KurrentEventStore.name} errors (batchAppend: ${batchAppend})`, () => {
    let store: KurrentEventStore;
    afterAll(async () => {
      await store?.close(); // declared first, so it runs before the target closes
    });

    const kurrent = useKurrentTarget({ batchAppend, maxAppendSize: 4096 });
    const appendMethods = batchAppend ? (['BatchAppend'] as const) : (['Append'] as const);
    beforeAll(() => {
      store = new KurrentEventStore(withCredentials(kurrent.target.connectionString));
    });

    it.each(['unavailable', 'deadline-exceeded', 'not-leader'] as const)(
      'turns an injected %s fault on append into a transient EventStoreUnavailableError',
      async (kind) => {
        const s = streamName(kind);
        await store.appendToStream(s, [event('Warm')]); // so the fault hits the append, not the feature probe
        kurrent.emulator.injectFaults({ kind, methods: [...appendMethods] });
        const error = await store.appendToStream(s, [event('A')]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EventStoreUnavailableError);
        expect(error).toMatchObject({ transient: true, streamName: s, operation: 'append' });
        // A gRPC deadline is the store's own deadline (it sends deadlineMs with every append).
        expect((error as EventStoreError).code).toBe(
          kind === 'deadline-exceeded' ? 'MNEME_EVENT_STORE_TIMEOUT' : 'MNEME_EVENT_STORE_UNAVAILABLE',
        );
        expect((error as EventStoreError).cause).toBeInstanceOf(Error);
        expect(EventStoreError.is(error)).toBe(true);
        // The fault is spent: the next attempt goes through.
        expect((await store.appendToStream(s, [event('B')])).nextExpectedRevision).toBe(1n);
      },
    );

    it('turns an injected fault on read into a transient EventStoreUnavailableError', async () => {
      const s = streamName('read-fault');
      await store.appendToStream(s, [event('A')]);
      kurrent.emulator.injectFaults({ kind: 'unavailable', methods: ['Read'] });
      const error = await collect(store.readStream(s)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect(error).toMatchObject({ transient: true, operation: 'read', streamName: s });
      expect((error as Error).cause).toBeInstanceOf(Error);
    });

    it('retries after a dropped reply without writing the events twice', async () => {
      const s = streamName('dropped-reply');
      await store.appendToStream(s, [event('Warm')]);
      const batch = [event('A'), event('B')];
      kurrent.emulator.injectFaults({ kind: 'drop-after-write', methods: [...appendMethods] });
      const error = await store.appendToStream(s, batch, { expectedRevision: 0n }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      // Same ids, same expected revision: the server recognises the batch and writes nothing.
      expect(await store.appendToStream(s, batch, { expectedRevision: 0n })).toEqual({ nextExpectedRevision: 2n });
      expect((await collect(store.readStream(s))).map((e) => e.type)).toEqual(['Warm', 'A', 'B']);
    });

    it('raises EventTooLargeError, an InvalidEventError, when the append exceeds the server limit', async () => {
      const s = streamName('too-large');
      const error = await store.appendToStream(s, [event('Big', { blob: 'x'.repeat(8192) })]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventTooLargeError);
      expect(error).toBeInstanceOf(InvalidEventError);
      expect(error).toMatchObject({ code: 'MNEME_EVENT_TOO_LARGE', streamName: s, maxAppendSize: 4096 });
      expect((error as Error).cause).toMatchObject({ type: 'maximum-append-size-exceeded' });
      expect(await collect(store.readStream(s))).toEqual([]);
    });

    it('never puts the password in an error, its message, its fields or its cause', async () => {
      const s = streamName('secret');
      kurrent.emulator.injectFaults({ kind: 'unavailable', methods: [...appendMethods, 'Read'], count: 2 });
      const appendError = await store.appendToStream(s, [event('A')]).catch((e: unknown) => e);
      const readError = await collect(store.readStream(s)).catch((e: unknown) => e);
      for (const error of [appendError, readError]) {
        expect(error).toBeInstanceOf(EventStoreUnavailableError);
        expect((error as Error).message).toContain('admin:***@');
        expect(stringsIn(error).join('\n')).not.toContain(PASSWORD);
      }
    });
  });
}

describe(`${KurrentEventStore.name} without a server`, () => {
  // Needs no server at all, so it runs in both modes.
  it('reports an unreachable server as a transient EventStoreUnavailableError, on append and read', async () => {
    const connectionString = withCredentials(await unreachableConnectionString()); // nothing listens on that port any more
    const store = new KurrentEventStore(connectionString);
    try {
      const appendError = await store
        .appendToStream('nowhere', [event('A')], { expectedRevision: NO_STREAM })
        .catch((e: unknown) => e);
      expect(appendError).toBeInstanceOf(EventStoreUnavailableError);
      expect(appendError).toMatchObject({ transient: true, operation: 'append' });
      const readError = await collect(store.readStream('nowhere')).catch((e: unknown) => e);
      expect(readError).toBeInstanceOf(EventStoreUnavailableError);
      for (const error of [appendError, readError]) expect(stringsIn(error).join('\n')).not.toContain(PASSWORD);
    } finally {
      await store.close();
    }
  });

  it('keeps the password out of connection-string errors', () => {
    for (const bad of [
      `kurrentdb://admin:${PASSWORD}@localhost:2113?tls=maybe`,
      `kurrentdb://admin:${PASSWORD}@local host:2113`,
    ]) {
      let error: unknown;
      try {
        new KurrentEventStore(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidConnectionStringError);
      expect((error as InvalidConnectionStringError).connectionString).toContain('admin:***@');
      expect(stringsIn(error).join('\n')).not.toContain(PASSWORD);
    }
  });
});
