import { beforeAll, describe, expect, it } from '@jest/globals';
import { BACKWARDS, END, FORWARDS, START, StreamNotFoundError, streamNameFilter } from '@kurrent/kurrentdb-client';
import { uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { collect, readRevisions, testEvents } from './support/kurrent-client-helpers.js';

describe('readStream and readAll', () => {
  const kurrent = useKurrentTarget();
  let stream: string;

  beforeAll(async () => {
    stream = uniqueStream('read');
    await kurrent.client.appendToStream(stream, testEvents(5));
  });

  describe('a stream', () => {
    it('reads forwards from the start by default', async () => {
      expect(await readRevisions(kurrent.client, stream)).toEqual([0n, 1n, 2n, 3n, 4n]);
    });

    it('reads backwards from the end', async () => {
      expect(await readRevisions(kurrent.client, stream, { direction: BACKWARDS, fromRevision: END })).toEqual([
        4n,
        3n,
        2n,
        1n,
        0n,
      ]);
    });

    it('includes fromRevision in both directions', async () => {
      expect(await readRevisions(kurrent.client, stream, { fromRevision: 2n })).toEqual([2n, 3n, 4n]);
      expect(await readRevisions(kurrent.client, stream, { direction: BACKWARDS, fromRevision: 2n })).toEqual([
        2n,
        1n,
        0n,
      ]);
    });

    it('stops after maxCount', async () => {
      expect(await readRevisions(kurrent.client, stream, { maxCount: 2 })).toEqual([0n, 1n]);
      expect(
        await readRevisions(kurrent.client, stream, { direction: BACKWARDS, fromRevision: END, maxCount: 2 }),
      ).toEqual([4n, 3n]);
    });

    it('returns nothing, without an error, past the end of an existing stream', async () => {
      // (Forwards from END cannot be asked: the bridge sends END reads as backwards, whatever the direction.)
      expect(await readRevisions(kurrent.client, stream, { fromRevision: 10n })).toEqual([]);
      expect(await readRevisions(kurrent.client, stream, { direction: FORWARDS, fromRevision: 5n })).toEqual([]);
    });

    it('returns the event fields the client exposes', async () => {
      const [{ event }] = await collect(kurrent.client.readStream(stream, { maxCount: 1 }));

      expect(event).toMatchObject({
        streamId: stream,
        revision: 0n,
        type: 'TestEvent',
        isJson: true,
        data: { index: 0 },
      });
      expect(event!.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(event!.position!.commit).toBeGreaterThan(0n);
      expect(Math.abs(event!.created.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('fails with StreamNotFoundError for a stream that never existed', async () => {
      const missing = uniqueStream('missing');

      const failure = collect(kurrent.client.readStream(missing));

      await expect(failure).rejects.toBeInstanceOf(StreamNotFoundError);
      await expect(failure).rejects.toMatchObject({ streamName: missing });
    });
  });

  describe('$all', () => {
    let prefix: string;
    let first: string;
    let second: string;

    beforeAll(async () => {
      prefix = uniqueStream('all');
      first = `${prefix}-first`;
      second = `${prefix}-second`;
      await kurrent.client.appendToStream(first, testEvents(2));
      await kurrent.client.appendToStream(second, testEvents(2));
    });

    const ours = () => ({ filter: streamNameFilter({ prefixes: [prefix] }) });

    it('reads forwards in commit order across streams', async () => {
      const events = await collect(kurrent.client.readAll({ ...ours(), fromPosition: START }));

      expect(events.map(({ event }) => [event!.streamId, event!.revision])).toEqual([
        [first, 0n],
        [first, 1n],
        [second, 0n],
        [second, 1n],
      ]);
    });

    it('includes the event at fromPosition when reading forwards', async () => {
      const [, target] = await collect(kurrent.client.readAll({ ...ours(), maxCount: 2 }));

      const [fromThere] = await collect(
        kurrent.client.readAll({ ...ours(), fromPosition: target!.event!.position, maxCount: 1 }),
      );

      expect(fromThere!.event!.id).toBe(target!.event!.id);
    });

    it('reads backwards from the end, newest first', async () => {
      const events = await collect(
        kurrent.client.readAll({ ...ours(), direction: BACKWARDS, fromPosition: END, maxCount: 3 }),
      );

      expect(events.map(({ event }) => [event!.streamId, event!.revision])).toEqual([
        [second, 1n],
        [second, 0n],
        [first, 1n],
      ]);
    });

    it('reads backwards from a position without going past it', async () => {
      const [, , third] = await collect(kurrent.client.readAll({ ...ours() }));
      const from = third!.event!.position!;

      const events = await collect(kurrent.client.readAll({ ...ours(), direction: BACKWARDS, fromPosition: from }));

      const commits = events.map(({ event }) => event!.position!.commit);
      expect(commits.every((commit) => commit <= from.commit)).toBe(true);
      expect([...commits].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(commits);
      expect(events.map(({ event }) => event!.streamId)).toContain(first);
    });

    it('stops after maxCount', async () => {
      expect(await collect(kurrent.client.readAll({ maxCount: 2 }))).toHaveLength(2);
    });

    it('starts with the system records of a node, all in $ streams, $settings and $users among them', async () => {
      const first = await collect(kurrent.client.readAll({ fromPosition: START, maxCount: 5 }));
      const system = await collect(
        kurrent.client.readAll({
          fromPosition: START,
          filter: streamNameFilter({ prefixes: ['$settings', '$users'] }),
        }),
      );
      const types = system.map(({ event }) => event!.type);

      expect(first).toHaveLength(5);
      expect(first.map(({ event }) => event!.streamId).filter((streamId) => !streamId.startsWith('$'))).toEqual([]);
      // Consumers also skip system records by event type, so their types are `$` ones too.
      expect(first.map(({ event }) => event!.type).filter((type) => !type.startsWith('$'))).toEqual([]);
      expect(new Set(system.map(({ event }) => event!.streamId))).toEqual(new Set(['$settings', '$users']));
      expect(types.filter((type) => !type.startsWith('$'))).toEqual([]);
    });
  });
});
