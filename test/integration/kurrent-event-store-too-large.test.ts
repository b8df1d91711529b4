import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventTooLargeError, InvalidEventError } from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { startSmallMessageServer, type SmallMessageServer } from '../support/small-message-server.js';

// A real gRPC server refusing a message above its receive limit with RESOURCE_EXHAUSTED, through the
// real client. Needs no KurrentDB, so it runs in both modes. (The client's own "maximum append size
// exceeded" answer is covered on the emulator in kurrent-event-store-errors.test.ts.)

const LIMIT = 64 * 1024;

for (const batchAppend of [true, false]) {
  describe(`${KurrentEventStore.name} append above the server's message limit (batchAppend: ${batchAppend})`, () => {
    let server: SmallMessageServer;
    let store: KurrentEventStore;

    beforeAll(async () => {
      server = await startSmallMessageServer({ maxMessageBytes: LIMIT, batchAppend });
      store = new KurrentEventStore(server.connectionString, { deadlineMs: 5000 });
    });

    afterAll(async () => {
      await store.close();
      await server.close();
    });

    it('raises EventTooLargeError, with the limit the server gave, when gRPC answers RESOURCE_EXHAUSTED', async () => {
      const error = await store
        .appendToStream('account-1', [{ type: 'Big', data: { blob: 'x'.repeat(2 * LIMIT) } }])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventTooLargeError);
      expect(error).toBeInstanceOf(InvalidEventError);
      expect(error).toMatchObject({ code: 'MNEME_EVENT_TOO_LARGE', streamName: 'account-1', maxAppendSize: LIMIT });
      expect((error as Error).cause).toMatchObject({ code: 8 });
    });
  });
}
