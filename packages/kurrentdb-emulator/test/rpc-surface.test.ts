import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { START, UnsupportedError, WrongExpectedVersionError, NO_STREAM } from '@kurrent/kurrentdb-client';
import type * as Grpc from '@grpc/grpc-js';
import { appendPaths, describeEmulatorOnly, uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { SubscriptionProbe, collect, testEvent, testEvents } from './support/kurrent-client-helpers.js';

const STREAMS = '/event_store.client.streams.Streams';
const FEATURES = '/event_store.client.server_features.ServerFeatures/GetSupportedMethods';

/**
 * Fails loudly when a client upgrade starts calling RPCs the emulator does not implement (or stops
 * calling ones it does): which RPCs the Rust bridge uses is an internal detail of `@kurrent/bridge`.
 */
describeEmulatorOnly('RPC surface used by @kurrent/kurrentdb-client', () => {
  describe.each(appendPaths())('with appends through %s', (label, options) => {
    const kurrent = useKurrentTarget(options);

    it('is exactly the RPCs the emulator implements', async () => {
      const stream = uniqueStream('surface');
      await kurrent.client.appendToStream(stream, testEvents(2));
      await expect(
        kurrent.client.appendToStream(stream, testEvent(), { streamState: NO_STREAM }),
      ).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await collect(kurrent.client.readStream(stream));
      await collect(kurrent.client.readAll({ maxCount: 5 }));
      const streamProbe = new SubscriptionProbe(kurrent.client.subscribeToStream(stream, { fromRevision: START }));
      const allProbe = new SubscriptionProbe(kurrent.client.subscribeToAll({ fromPosition: START }));
      await streamProbe.untilCaughtUp('stream caught-up');
      await allProbe.untilCaughtUp('$all caught-up');
      await Promise.all([streamProbe.close(), allProbe.close()]);
      await kurrent.client.setStreamMetadata(stream, { maxCount: 10 });
      await kurrent.client.getStreamMetadata(stream);
      await kurrent.client.deleteStream(stream);
      await kurrent.client.tombstoneStream(uniqueStream('surface-tombstone'));
      // v2 multi-stream appends are refused client-side, without an RPC, when not advertised.
      await expect(
        kurrent.client.multiStreamAppend([{ streamName: stream, events: [testEvent()], expectedState: 'any' }]),
      ).rejects.toBeInstanceOf(UnsupportedError);

      expect([...new Set(kurrent.emulator.rpcLog)].sort()).toEqual(
        [FEATURES, `${STREAMS}/${label}`, `${STREAMS}/Read`, `${STREAMS}/Delete`, `${STREAMS}/Tombstone`].sort(),
      );
      expect(kurrent.emulator.unimplementedCalls).toEqual([]);
    });
  });

  describe('an unknown method', () => {
    const kurrent = useKurrentTarget();

    it('is answered UNIMPLEMENTED and logged', async () => {
      const emulator = kurrent.emulator;
      const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof Grpc;
      const raw = new grpc.Client(`127.0.0.1:${emulator.port}`, grpc.credentials.createInsecure());
      const path = '/event_store.client.gossip.Gossip/Read';

      const error = await new Promise<Grpc.ServiceError | null>((resolve) =>
        raw.makeUnaryRequest(
          path,
          (request: Buffer) => request,
          (response: Buffer) => response,
          Buffer.alloc(0),
          resolve,
        ),
      );
      raw.close();

      expect(error?.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(emulator.rpcLog).toContain(path);
      expect(emulator.unimplementedCalls).toEqual([path]);
    });
  });
});
