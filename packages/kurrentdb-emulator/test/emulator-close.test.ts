import { afterEach, describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import type * as Grpc from '@grpc/grpc-js';
import { KurrentDBClient, START, UnavailableError, type ResolvedEvent } from '@kurrent/kurrentdb-client';
import { startKurrentEmulator, type KurrentEmulator } from '../src/index.js';
import { sharedPb, streamsGrpc, streamsPb, type AppendResp } from '../src/protocol.js';
import { SubscriptionProbe, testEvents } from './support/kurrent-client-helpers.js';

const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof Grpc;
const APPEND = '/event_store.client.streams.Streams/Append';
/** Longer than Jest's test timeout: a close that waited this long fails the test. */
const LONGER_THAN_THE_TEST = 60_000;

/** An Append whose options and first event are sent, and whose end is not, until `finish()`. */
async function appendInProgress(emulator: KurrentEmulator, stream: string) {
  const raw = new streamsGrpc.StreamsClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createInsecure());
  let call!: Grpc.ClientWritableStream<InstanceType<typeof streamsPb.AppendReq>>;
  const answered = new Promise<{ error: Grpc.ServiceError | null; response?: AppendResp }>((resolve) => {
    call = raw.append((error, response) => resolve({ error, response }));
  });
  const options = new streamsPb.AppendReq.Options()
    .setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(Buffer.from(stream)))
    .setAny(new sharedPb.Empty());
  const event = new streamsPb.AppendReq.ProposedMessage()
    .setId(new sharedPb.UUID().setString(randomUUID()))
    .setData(Buffer.from('{}'));
  event.getMetadataMap().set('type', 'Sent').set('content-type', 'application/json');
  call.write(new streamsPb.AppendReq().setOptions(options));
  call.write(new streamsPb.AppendReq().setProposedMessage(event));
  // The emulator logs a call when it arrives: from then on it is a call being answered.
  while (!emulator.rpcLog.includes(APPEND)) await new Promise((resolve) => setTimeout(resolve, 5));
  return { answered, finish: () => call.end(), close: () => raw.close() };
}

describe('closing the emulator', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('with drainMs, lets a call being answered finish before it stops', async () => {
    const emulator = await startKurrentEmulator();
    cleanups.push(() => emulator.close());
    const append = await appendInProgress(emulator, 'drained');
    cleanups.push(append.close);
    const order: string[] = [];

    const closing = emulator.close({ drainMs: LONGER_THAN_THE_TEST }).then(() => order.push('closed'));
    append.finish();
    const { error, response } = await append.answered;
    order.push('answered');
    await closing;

    expect(error).toBeNull();
    expect(response?.hasSuccess()).toBe(true);
    expect(order).toEqual(['answered', 'closed']);
  });

  it('with drainMs, does not wait for live subscriptions or the BatchAppend stream: it ends them as unavailable', async () => {
    const emulator = await startKurrentEmulator({ batchAppend: true });
    const client = KurrentDBClient.connectionString(emulator.connectionString);
    cleanups.push(() => client.dispose());
    await client.appendToStream('subscribed', testEvents(1)); // opens the client's BatchAppend stream
    const probe = new SubscriptionProbe<ResolvedEvent>(client.subscribeToStream('subscribed', { fromRevision: START }));
    await probe.untilCaughtUp();

    await emulator.close({ drainMs: LONGER_THAN_THE_TEST });

    await probe.until((p) => p.error !== undefined, 'the subscription to fail');
    expect(probe.error).toBeInstanceOf(UnavailableError);
    // It no longer listens.
    await expect(client.appendToStream('subscribed', testEvents(1))).rejects.toThrow(/ECONNREFUSED/);
  });

  it('without drainMs, cancels a call being answered', async () => {
    const emulator = await startKurrentEmulator();
    const append = await appendInProgress(emulator, 'cancelled');
    cleanups.push(append.close);

    await emulator.close();
    const { error } = await append.answered;

    expect(error).not.toBeNull();
  });
});
