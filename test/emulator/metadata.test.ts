import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { startKurrentTarget, uniqueStream, type KurrentTarget } from '../support/kurrent-target.js';
import { collect, readRevisions, testEvents } from '../support/kurrent-client-helpers.js';

describe('stream metadata ($$ metastreams)', () => {
  let target: KurrentTarget;
  let client: KurrentDBClient;

  beforeAll(async () => {
    target = await startKurrentTarget();
    client = KurrentDBClient.connectionString(target.connectionString);
  });

  afterAll(async () => {
    await client.dispose();
    await target.close();
  });

  it('round-trips metadata, custom keys included', async () => {
    const stream = uniqueStream('meta');

    await client.setStreamMetadata(stream, { maxCount: 7, owner: 'billing' });

    expect(await client.getStreamMetadata(stream)).toMatchObject({
      streamName: stream,
      metadata: { maxCount: 7, owner: 'billing' },
    });
  });

  it('returns no metadata for a stream that has none', async () => {
    const stream = uniqueStream('meta-none');

    expect((await client.getStreamMetadata(stream)).metadata).toBeUndefined();
  });

  it('shows only the newest metadata event when the metastream is read (implicit maxCount 1)', async () => {
    const stream = uniqueStream('meta-latest');
    await client.setStreamMetadata(stream, { maxCount: 1 });
    await client.setStreamMetadata(stream, { maxCount: 2 });

    const events = await collect(client.readStream(`$$${stream}`));

    expect(events.map(({ event }) => [event!.revision, event!.type, event!.data])).toEqual([
      [1n, '$metadata', { $maxCount: 2 }],
    ]);
  });

  it('applies $maxCount when the stream is read', async () => {
    const stream = uniqueStream('meta-max-count');
    await client.appendToStream(stream, testEvents(5));

    await client.setStreamMetadata(stream, { maxCount: 2 });

    expect(await readRevisions(client, stream)).toEqual([3n, 4n]);
  });

  it('applies $tb (truncateBefore) when the stream is read', async () => {
    const stream = uniqueStream('meta-tb');
    await client.appendToStream(stream, testEvents(4));

    await client.setStreamMetadata(stream, { truncateBefore: 2 });

    expect(await readRevisions(client, stream)).toEqual([2n, 3n]);
  });

  it('reads a fully truncated stream as empty, without an error', async () => {
    const stream = uniqueStream('meta-truncated');
    await client.appendToStream(stream, testEvents(2));

    await client.setStreamMetadata(stream, { truncateBefore: 10 });

    expect(await readRevisions(client, stream)).toEqual([]);
  });
});
