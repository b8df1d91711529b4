import { describe, expect, it } from '@jest/globals';
import { uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { readEvents, readRevisions, testEvents } from './support/kurrent-client-helpers.js';

describe('stream metadata ($$ metastreams)', () => {
  const kurrent = useKurrentTarget();

  it('round-trips metadata, custom keys included', async () => {
    const stream = uniqueStream('meta');

    await kurrent.client.setStreamMetadata(stream, { maxCount: 7, owner: 'billing' });

    expect(await kurrent.client.getStreamMetadata(stream)).toMatchObject({
      streamName: stream,
      metadata: { maxCount: 7, owner: 'billing' },
    });
  });

  it('returns no metadata for a stream that has none', async () => {
    const stream = uniqueStream('meta-none');

    expect((await kurrent.client.getStreamMetadata(stream)).metadata).toBeUndefined();
  });

  it('shows only the newest metadata event when the metastream is read (implicit maxCount 1)', async () => {
    const stream = uniqueStream('meta-latest');
    await kurrent.client.setStreamMetadata(stream, { maxCount: 1 });
    await kurrent.client.setStreamMetadata(stream, { maxCount: 2 });

    const events = await readEvents(kurrent.client, `$$${stream}`);

    expect(events.map((event) => [event!.revision, event!.type, event!.data])).toEqual([
      [1n, '$metadata', { $maxCount: 2 }],
    ]);
  });

  it('applies $maxCount when the stream is read', async () => {
    const stream = uniqueStream('meta-max-count');
    await kurrent.client.appendToStream(stream, testEvents(5));

    await kurrent.client.setStreamMetadata(stream, { maxCount: 2 });

    expect(await readRevisions(kurrent.client, stream)).toEqual([3n, 4n]);
  });

  it('applies $tb (truncateBefore) when the stream is read', async () => {
    const stream = uniqueStream('meta-tb');
    await kurrent.client.appendToStream(stream, testEvents(4));

    await kurrent.client.setStreamMetadata(stream, { truncateBefore: 2 });

    expect(await readRevisions(kurrent.client, stream)).toEqual([2n, 3n]);
  });

  it('reads a fully truncated stream as empty, without an error', async () => {
    const stream = uniqueStream('meta-truncated');
    await kurrent.client.appendToStream(stream, testEvents(2));

    await kurrent.client.setStreamMetadata(stream, { truncateBefore: 10 });

    expect(await readRevisions(kurrent.client, stream)).toEqual([]);
  });
});
