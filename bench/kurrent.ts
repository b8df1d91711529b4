import { randomUUID } from 'node:crypto';
import { FORWARDS, KurrentDBClient, START, jsonEvent } from '@kurrent/kurrentdb-client';
import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentEmulator } from 'mneme/testing';
import { compare, report } from './measure.js';

const APPENDS = 200;
const STREAM_LENGTH = 2_000;

/**
 * KurrentEventStore against the raw client doing the same calls on the same in-process emulator:
 * the adapter's own cost (validation, mapping, paging), not the server's.
 */
export async function kurrentAdapter(): Promise<string[]> {
  const emulator = await startKurrentEmulator();
  const client = KurrentDBClient.connectionString(emulator.connectionString);
  const store = new KurrentEventStore(client);
  try {
    const rawAppends = async () => {
      const stream = `bench-${randomUUID()}`;
      for (let i = 0; i < APPENDS; i++) {
        await client.appendToStream(stream, jsonEvent({ type: 'Bench.Happened', data: { i } }), { streamState: i === 0 ? 'no_stream' : BigInt(i - 1) });
      }
    };
    const storeAppends = async () => {
      const stream = `bench-${randomUUID()}`;
      for (let i = 0; i < APPENDS; i++) {
        await store.appendToStream(stream, [{ type: 'Bench.Happened', data: { i } }], { expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1) });
      }
    };
    const appends = await compare({ name: 'client.appendToStream', run: rawAppends }, { name: 'store.appendToStream', run: storeAppends }, 5);

    const longStream = `bench-long-${randomUUID()}`;
    for (let i = 0; i < STREAM_LENGTH; i += 500) {
      await store.appendToStream(longStream, Array.from({ length: 500 }, (_, j) => ({ type: 'Bench.Happened', data: { i: i + j } })));
    }
    const rawRead = async () => {
      let count = 0;
      for await (const resolved of client.readStream(longStream, { fromRevision: START, direction: FORWARDS })) if (resolved.event) count++;
      if (count !== STREAM_LENGTH) throw new Error(`read ${count}`);
    };
    const storeRead = async () => {
      let count = 0;
      for await (const _ of store.readStream(longStream)) count++;
      if (count !== STREAM_LENGTH) throw new Error(`read ${count}`);
    };
    const reads = await compare({ name: 'client.readStream', run: rawRead }, { name: 'store.readStream', run: storeRead }, 9);
    return [
      report(`${APPENDS} sequential single-event appends through the emulator`, appends, 'append', APPENDS),
      report(`Reading a ${STREAM_LENGTH}-event stream through the emulator`, reads, 'event', STREAM_LENGTH),
    ];
  } finally {
    await client.dispose();
    await emulator.close();
  }
}
