import { afterEach, describe, expect, it } from '@jest/globals';
import {
  END,
  START,
  StreamDeletedError,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type Position,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { SubscriptionProbe, testEvent, testEvents } from './support/kurrent-client-helpers.js';

/** Polls `condition` until it holds (for callbacks the probe does not see), failing after 3 s. */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 3000; !condition();) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('subscribeToStream and subscribeToAll', () => {
  const kurrent = useKurrentTarget();
  const probes: Array<SubscriptionProbe<unknown>> = [];

  const track = <E>(probe: SubscriptionProbe<E>) => {
    probes.push(probe as SubscriptionProbe<unknown>);
    return probe;
  };
  const probeStream = (stream: string, fromRevision: bigint | typeof START | typeof END) =>
    track(new SubscriptionProbe<ResolvedEvent>(kurrent.client.subscribeToStream(stream, { fromRevision })));
  /** `$all`, filtered to the streams whose names start with `prefix`. */
  const probeAll = (prefix: string, fromPosition: Position | typeof START) =>
    track(
      new SubscriptionProbe<AllStreamResolvedEvent>(
        kurrent.client.subscribeToAll({ fromPosition, filter: streamNameFilter({ prefixes: [prefix] }) }),
      ),
    );
  const revisions = (probe: SubscriptionProbe<ResolvedEvent | AllStreamResolvedEvent>) =>
    probe.events.map(({ event }) => event!.revision);

  afterEach(async () => {
    await Promise.all(probes.splice(0).map((probe) => probe.close()));
  });

  describe('a stream', () => {
    it('confirms, catches up, reports caught-up, then delivers live events', async () => {
      const stream = uniqueStream('sub');
      await kurrent.client.appendToStream(stream, testEvents(2));

      const probe = probeStream(stream, START);
      await probe.untilCaughtUp();
      await kurrent.client.appendToStream(stream, testEvent());
      await probe.until((p) => p.events.length === 3, 'the live event');

      expect(probe.confirmed).toBe(true);
      expect(probe.eventsBeforeCaughtUp).toBe(2);
      expect(revisions(probe)).toEqual([0n, 1n, 2n]);
    });

    it('starts after fromRevision (exclusive)', async () => {
      const stream = uniqueStream('sub-from');
      await kurrent.client.appendToStream(stream, testEvents(4));

      const probe = probeStream(stream, 1n);
      await probe.untilCaughtUp();

      expect(revisions(probe)).toEqual([2n, 3n]);
    });

    it('delivers only new events from END', async () => {
      const stream = uniqueStream('sub-end');
      await kurrent.client.appendToStream(stream, testEvents(2));

      const probe = probeStream(stream, END);
      await probe.untilCaughtUp();
      await kurrent.client.appendToStream(stream, testEvent());
      await probe.until((p) => p.events.length === 1, 'the live event');

      expect(revisions(probe)).toEqual([2n]);
    });

    it('waits for a stream that does not exist yet', async () => {
      const stream = uniqueStream('sub-later');

      const probe = probeStream(stream, START);
      await probe.untilCaughtUp();
      await kurrent.client.appendToStream(stream, testEvents(2));
      await probe.until((p) => p.events.length === 2, 'the live events');

      expect(revisions(probe)).toEqual([0n, 1n]);
    });

    it('fails with StreamDeletedError when the stream is tombstoned while subscribed', async () => {
      const stream = uniqueStream('sub-tombstoned-live');
      await kurrent.client.appendToStream(stream, testEvent());
      const probe = probeStream(stream, START);
      await probe.untilCaughtUp();

      await kurrent.client.tombstoneStream(stream);
      await probe.until((p) => p.error !== undefined, 'the subscription error');

      expect(probe.error).toBeInstanceOf(StreamDeletedError);
      expect(probe.error).toMatchObject({ streamName: stream });
    });

    it('fails with StreamDeletedError when the stream was already tombstoned', async () => {
      const stream = uniqueStream('sub-tombstoned');
      await kurrent.client.appendToStream(stream, testEvent());
      await kurrent.client.tombstoneStream(stream);

      const probe = probeStream(stream, START);
      await probe.until((p) => p.error !== undefined, 'the subscription error');

      expect(probe.error).toBeInstanceOf(StreamDeletedError);
      expect(probe.events).toEqual([]);
    });
  });

  describe('$all', () => {
    it('starts after fromPosition (exclusive) and follows new events of every stream', async () => {
      const prefix = uniqueStream('sub-all');
      const first = `${prefix}-a`;
      const second = `${prefix}-b`;
      const written = await kurrent.client.appendToStream(first, testEvents(2));

      const probe = probeAll(prefix, written.position!);
      await probe.until((p) => p.confirmed, 'confirmation');
      await kurrent.client.appendToStream(second, testEvent());
      await kurrent.client.appendToStream(first, testEvent());
      await probe.until((p) => p.events.length === 2, 'the live events');

      expect(probe.events.map(({ event }) => [event!.streamId, event!.revision])).toEqual([
        [second, 0n],
        [first, 2n],
      ]);
    });

    describe('checkpoints of a filtered subscription', () => {
      /** Subscribes with a filter that matches nothing, recording the checkpoints it reports. */
      const probeCheckpoints = (
        fromPosition: Position | typeof START | typeof END,
        window: Partial<Record<'maxSearchWindow' | 'checkpointInterval', number>> = {},
      ) => {
        const checkpoints: Position[] = [];
        const filter = streamNameFilter({
          prefixes: [uniqueStream('matches-nothing')],
          ...window,
          checkpointReached: (_subscription, position) => {
            checkpoints.push(position);
          },
        });
        const probe = track(
          new SubscriptionProbe<AllStreamResolvedEvent>(kurrent.client.subscribeToAll({ fromPosition, filter })),
        );
        return { probe, checkpoints };
      };

      it('reports a checkpoint at the end of catch-up even when nothing matched', async () => {
        const written = await kurrent.client.appendToStream(uniqueStream('unmatched'), testEvent());

        // A one-record window makes a server's last catch-up page end at the last record.
        const { probe, checkpoints } = probeCheckpoints(START, { maxSearchWindow: 1 });
        await probe.untilCaughtUp();
        await eventually(() => checkpoints.length > 0, 'a checkpoint');

        expect(probe.events).toEqual([]);
        expect(checkpoints.at(-1)!.commit).toBeGreaterThanOrEqual(written.position!.commit);
      });

      it('reports catch-up checkpoints every maxSearchWindow × checkpointInterval records considered', async () => {
        const start = await kurrent.client.appendToStream(uniqueStream('unmatched'), testEvent());
        const other = uniqueStream('unmatched');
        for (let i = 0; i < 6; i += 1) await kurrent.client.appendToStream(other, testEvent());

        const { probe, checkpoints } = probeCheckpoints(start.position!, { maxSearchWindow: 1, checkpointInterval: 2 });
        await probe.untilCaughtUp();
        await eventually(() => checkpoints.length >= 3, 'three checkpoints');

        const commits = checkpoints.map(({ commit }) => commit);
        expect(commits.every((commit, index) => index === 0 || commit > commits[index - 1]!)).toBe(true);
        expect(commits[0]).toBeGreaterThan(start.position!.commit);
      });

      it('keeps reporting checkpoints while live records do not match', async () => {
        const before = await kurrent.client.appendToStream(uniqueStream('unmatched'), testEvent());
        const { probe, checkpoints } = probeCheckpoints(END, { maxSearchWindow: 2, checkpointInterval: 2 });
        await probe.untilCaughtUp();

        const written = await kurrent.client.appendToStream(uniqueStream('unmatched'), testEvents(4));
        await eventually(() => checkpoints.some(({ commit }) => commit > before.position!.commit), 'a live checkpoint');

        expect(probe.events).toEqual([]);
        const live = checkpoints.filter(({ commit }) => commit > before.position!.commit);
        expect(live[0]!.commit).toBeLessThanOrEqual(written.position!.commit);
      });
    });

    it('replays from the start, then reports caught-up', async () => {
      const prefix = uniqueStream('sub-all-start');
      await kurrent.client.appendToStream(`${prefix}-a`, testEvents(3));

      const probe = probeAll(prefix, START);
      await probe.untilCaughtUp();

      expect(probe.eventsBeforeCaughtUp).toBe(3);
      expect(revisions(probe)).toEqual([0n, 1n, 2n]);
    });
  });
});
