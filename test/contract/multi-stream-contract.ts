import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ANY,
  ConcurrencyError,
  EventTooLargeError,
  InvalidEventError,
  InvalidExpectedRevisionError,
  InvalidMultiStreamAppendError,
  InvalidStreamNameError,
  MultiStreamConcurrencyError,
  NO_STREAM,
  STREAM_EXISTS,
  StreamDeletedError,
  appendToStreams,
  type EventData,
  type EventStore,
  type PositionedEvent,
  type StreamAppendRequest,
} from 'mneme';
import { collect } from '../support/collect.js';

/** What a multi-stream contract run needs. */
export interface MultiStreamStoreUnderTest {
  store: EventStore;
  close?: () => Promise<void>;
  /** Bytes one append may hold, when the test knows it. */
  maxAppendSize?: number;
  /** For stores with deletion (KurrentDB): soft-delete (`hard` false) or tombstone a stream. */
  deleteStream?: (streamName: string, hard: boolean) => Promise<void>;
}

const event = (type: string, data: unknown = {}, id: string = randomUUID()): EventData => ({ id, type, data });

/**
 * `appendToStreams`, written once and run against every store that has it. Every assertion holds on
 * a real KurrentDB 26.1+ too: stream names are unique per test.
 */
export function describeMultiStreamContract(
  name: string,
  open: () => Promise<MultiStreamStoreUnderTest>,
  /** What the store offers, known before it is opened: `deletes` when `deleteStream` is given, `knowsMaxAppendSize` when `maxAppendSize` is. */
  offers: { deletes: boolean; knowsMaxAppendSize: boolean },
): void {
  describe(`appendToStreams contract: ${name}`, () => {
    let subject: MultiStreamStoreUnderTest;
    let store: EventStore;
    const run = randomUUID().replace(/-/g, '').slice(0, 12);
    const stream = (label: string) => `multi_${run}_${label}-${randomUUID().replace(/-/g, '')}`;
    const append = (requests: StreamAppendRequest[], checks?: Parameters<typeof appendToStreams>[2]) =>
      appendToStreams(store, requests, checks);
    const types = async (s: string) => (await collect(store.readStream(s))).map((e) => e.type);

    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.close?.();
    });

    describe('writing', () => {
      it('writes every stream, each from its own revision, and returns where each ended', async () => {
        const [a, b] = [stream('a'), stream('b')];
        await store.appendToStream(b, [event('B.Zero')]);
        const result = await append([
          { streamName: a, events: [event('A.One'), event('A.Two')], expectedRevision: NO_STREAM },
          { streamName: b, events: [event('B.One')], expectedRevision: 0n },
        ]);
        expect(result.streams).toEqual([
          { streamName: a, nextExpectedRevision: 1n },
          { streamName: b, nextExpectedRevision: 1n },
        ]);
        expect(await types(a)).toEqual(['A.One', 'A.Two']);
        expect(await types(b)).toEqual(['B.Zero', 'B.One']);
      });

      it('stores ids, data and string metadata as given', async () => {
        const s = stream('roundtrip');
        const id = randomUUID();
        await append([
          {
            streamName: s,
            events: [
              {
                id,
                type: 'Thing.Happened',
                data: { n: 1, list: [1, 'two', null] },
                metadata: { commandId: 'c-1', $correlationId: 'k' },
              },
            ],
          },
        ]);
        const [recorded] = await collect(store.readStream(s));
        expect(recorded).toMatchObject({
          id,
          streamName: s,
          revision: 0n,
          type: 'Thing.Happened',
          data: { n: 1, list: [1, 'two', null] },
        });
        expect(recorded!.metadata).toEqual({ commandId: 'c-1', $correlationId: 'k' });
      });

      it('puts the records in the global log back to back, in request order, the last at the returned position', async () => {
        const [a, b, c] = [stream('a'), stream('b'), stream('c')];
        const result = await append([
          { streamName: a, events: [event('A.One'), event('A.Two')] },
          { streamName: b, events: [event('B.One')] },
          { streamName: c, events: [event('C.One')] },
        ]);
        const ours = await collect(store.readAll({ filter: { streamNamePrefixes: [`multi_${run}_`] } }));
        const mine = ours.filter((e) => [a, b, c].includes(e.streamName));
        expect(mine.map((e) => e.type)).toEqual(['A.One', 'A.Two', 'B.One', 'C.One']);
        expect(mine[mine.length - 1]!.position).toEqual(result.position);
        // Back to back: nothing of any other stream of this run between the first and the last.
        const first = ours.indexOf(mine[0]!);
        expect(ours.slice(first, first + 4)).toEqual(mine);
      });

      it('delivers the records to a live subscription, together and in order', async () => {
        const [a, b] = [stream('a'), stream('b')];
        const subscription = store.subscribeToAll({ filter: { streamNamePrefixes: [a, b] } })[Symbol.asyncIterator]();
        const firstDelivered = subscription.next();
        const result = await append([
          { streamName: a, events: [event('A.One')] },
          { streamName: b, events: [event('B.One'), event('B.Two')] },
        ]);
        const seen: PositionedEvent[] = [(await firstDelivered).value as PositionedEvent];
        while (seen.length < 3) seen.push((await subscription.next()).value as PositionedEvent);
        await subscription.return?.();
        expect(seen.map((e) => `${e.streamName === a ? 'a' : 'b'}:${e.type}`)).toEqual([
          'a:A.One',
          'b:B.One',
          'b:B.Two',
        ]);
        expect(seen[2]!.position).toEqual(result.position);
      });
    });

    describe('atomicity', () => {
      it('writes nothing to the first two streams when the third is not at its expected revision', async () => {
        const [a, b, c] = [stream('a'), stream('b'), stream('c')];
        await store.appendToStream(c, [event('C.Zero'), event('C.One')]);
        const failure = await append([
          { streamName: a, events: [event('A.One')], expectedRevision: NO_STREAM },
          { streamName: b, events: [event('B.One')], expectedRevision: ANY },
          { streamName: c, events: [event('C.Two')], expectedRevision: 0n },
        ]).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(MultiStreamConcurrencyError);
        expect(ConcurrencyError.is(failure)).toBe(true);
        expect((failure as MultiStreamConcurrencyError).conflicts).toEqual([
          { streamName: c, role: 'append', expected: 0n, actual: 1n },
        ]);
        expect(await types(a)).toEqual([]);
        expect(await types(b)).toEqual([]);
        expect(await types(c)).toEqual(['C.Zero', 'C.One']);
      });

      it('names every stream whose expectation or check failed, with what was expected and found', async () => {
        const [a, b, c, d] = [stream('a'), stream('b'), stream('c'), stream('d')];
        await store.appendToStream(b, [event('B.Zero')]);
        await store.appendToStream(d, [event('D.Zero'), event('D.One')]);
        const failure = (await append(
          [
            { streamName: a, events: [event('A.One')], expectedRevision: STREAM_EXISTS },
            { streamName: b, events: [event('B.One')], expectedRevision: NO_STREAM },
            { streamName: c, events: [event('C.One')], expectedRevision: NO_STREAM },
          ],
          { checks: [{ streamName: d, expectedRevision: 0n }] },
        ).catch((error: unknown) => error)) as MultiStreamConcurrencyError;
        expect(failure).toBeInstanceOf(MultiStreamConcurrencyError);
        expect([...failure.conflicts].sort((x, y) => x.streamName.localeCompare(y.streamName))).toEqual([
          { streamName: a, role: 'append', expected: STREAM_EXISTS, actual: NO_STREAM },
          { streamName: b, role: 'append', expected: NO_STREAM, actual: 0n },
          { streamName: d, role: 'check', expected: 0n, actual: 1n },
        ]);
        for (const s of [a, c]) expect(await types(s)).toEqual([]);
        expect(failure.message).toContain(a);
        expect(failure.message).toContain(d);
      });

      it('lets exactly one of two concurrent writers with the same expectations win', async () => {
        const [a, b] = [stream('a'), stream('b')];
        await store.appendToStream(a, [event('A.Zero')]);
        const attempt = (label: string) =>
          append([
            { streamName: a, events: [event(`A.${label}`)], expectedRevision: 0n },
            { streamName: b, events: [event(`B.${label}`)], expectedRevision: NO_STREAM },
          ]).then(
            () => 'won',
            (error: unknown) => (MultiStreamConcurrencyError.is(error) ? 'conflict' : error),
          );
        const outcomes = await Promise.all([attempt('First'), attempt('Second'), attempt('Third')]);
        expect([...outcomes].sort()).toEqual(['conflict', 'conflict', 'won']);
        const winner = ['First', 'Second', 'Third'][outcomes.indexOf('won')];
        expect(await types(a)).toEqual(['A.Zero', `A.${winner}`]);
        expect(await types(b)).toEqual([`B.${winner}`]);
      });
    });

    describe('consistency checks', () => {
      it('appends when streams only read are where the decision saw them, unwritten ones included', async () => {
        const [written, existing, missing] = [stream('written'), stream('existing'), stream('missing')];
        await store.appendToStream(existing, [event('E.Zero'), event('E.One')]);
        const result = await append([{ streamName: written, events: [event('W.One')] }], {
          checks: [
            { streamName: existing, expectedRevision: 1n },
            { streamName: missing, expectedRevision: NO_STREAM },
          ],
        });
        expect(result.streams).toEqual([{ streamName: written, nextExpectedRevision: 0n }]);
        expect(await types(written)).toEqual(['W.One']);
        expect(await types(existing)).toEqual(['E.Zero', 'E.One']);
        expect(await types(missing)).toEqual([]);
      });

      it('writes nothing when a checked stream moved, and does not write the checked stream', async () => {
        const [written, checked] = [stream('written'), stream('checked')];
        await store.appendToStream(checked, [event('C.Zero')]);
        const failure = await append([{ streamName: written, events: [event('W.One')] }], {
          checks: [{ streamName: checked, expectedRevision: NO_STREAM }],
        }).catch((error: unknown) => error);
        expect((failure as MultiStreamConcurrencyError).conflicts).toEqual([
          { streamName: checked, role: 'check', expected: NO_STREAM, actual: 0n },
        ]);
        expect(await types(written)).toEqual([]);
      });

      it('fails a STREAM_EXISTS check on a stream never written', async () => {
        const [written, missing] = [stream('written'), stream('missing')];
        const failure = await append([{ streamName: written, events: [event('W.One')] }], {
          checks: [{ streamName: missing, expectedRevision: STREAM_EXISTS }],
        }).catch((error: unknown) => error);
        expect((failure as MultiStreamConcurrencyError).conflicts).toEqual([
          { streamName: missing, role: 'check', expected: STREAM_EXISTS, actual: NO_STREAM },
        ]);
      });
    });

    describe('idempotency', () => {
      it('answers a re-sent commit (same ids, exact revisions) with the first answer, writing nothing', async () => {
        const [a, b] = [stream('a'), stream('b')];
        const requests: StreamAppendRequest[] = [
          { streamName: a, events: [event('A.One'), event('A.Two')], expectedRevision: NO_STREAM },
          { streamName: b, events: [event('B.One')], expectedRevision: NO_STREAM },
        ];
        const first = await append(requests);
        const again = await append(requests);
        expect(again).toEqual(first);
        expect(await types(a)).toEqual(['A.One', 'A.Two']);
        expect(await types(b)).toEqual(['B.One']);
      });

      it('answers a re-sent commit with ANY from the ids, even after the streams moved on', async () => {
        const [a, b] = [stream('a'), stream('b')];
        const requests: StreamAppendRequest[] = [
          { streamName: a, events: [event('A.One')] },
          { streamName: b, events: [event('B.One')] },
        ];
        const first = await append(requests);
        await store.appendToStream(a, [event('A.Later')]);
        const again = await append(requests);
        expect(again.streams).toEqual(first.streams);
        expect(await types(a)).toEqual(['A.One', 'A.Later']);
        expect(await types(b)).toEqual(['B.One']);
      });

      it('answers a re-sent commit whose check no longer holds as the first time: it is a retry of a commit that passed it', async () => {
        const [a, checked] = [stream('a'), stream('checked')];
        const requests: StreamAppendRequest[] = [
          { streamName: a, events: [event('A.One')], expectedRevision: NO_STREAM },
        ];
        const checks = { checks: [{ streamName: checked, expectedRevision: NO_STREAM }] };
        const first = await append(requests, checks);
        await store.appendToStream(checked, [event('C.Zero')]);
        expect(await append(requests, checks)).toEqual(first);
        expect(await types(a)).toEqual(['A.One']);
      });

      it('refuses a commit that re-sends one stream and adds new events to another, writing neither', async () => {
        const [a, b] = [stream('a'), stream('b')];
        const resent = {
          streamName: a,
          events: [event('A.One')],
          expectedRevision: NO_STREAM,
        } satisfies StreamAppendRequest;
        await append([resent]);
        const failure = await append([
          resent,
          { streamName: b, events: [event('B.One')], expectedRevision: NO_STREAM },
        ]).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(MultiStreamConcurrencyError);
        expect((failure as MultiStreamConcurrencyError).conflicts.map((conflict) => conflict.streamName)).toEqual([a]);
        expect(await types(a)).toEqual(['A.One']);
        expect(await types(b)).toEqual([]);
      });
    });

    describe('refusing bad input before writing', () => {
      const cases: [
        label: string,
        errorClass: { is(error: unknown): boolean; name: string },
        requests: (s: string) => unknown,
        options?: (s: string) => unknown,
      ][] = [
        ['no requests', InvalidMultiStreamAppendError, () => []],
        [
          'requests that are not an array',
          InvalidMultiStreamAppendError,
          (s) => ({ streamName: s, events: [event('A')] }),
        ],
        [
          'a request that is null',
          InvalidMultiStreamAppendError,
          (s) => [{ streamName: s, events: [event('A')] }, null],
        ],
        [
          'a request without events',
          InvalidMultiStreamAppendError,
          (s) => [
            { streamName: s, events: [event('A')] },
            { streamName: `${s}-2`, events: [] },
          ],
        ],
        [
          'the same stream twice',
          InvalidMultiStreamAppendError,
          (s) => [
            { streamName: s, events: [event('A')] },
            { streamName: s, events: [event('B')] },
          ],
        ],
        [
          'the same stream twice, in another case',
          InvalidMultiStreamAppendError,
          (s) => [
            { streamName: s, events: [event('A')] },
            { streamName: s.toUpperCase(), events: [event('B')] },
          ],
        ],
        [
          'an empty stream name',
          InvalidStreamNameError,
          (s) => [
            { streamName: s, events: [event('A')] },
            { streamName: '', events: [event('B')] },
          ],
        ],
        [
          "the stream '$$'",
          InvalidMultiStreamAppendError,
          (s) => [
            { streamName: s, events: [event('A')] },
            { streamName: '$$', events: [event('B')] },
          ],
        ],
        [
          'a numeric expected revision',
          InvalidExpectedRevisionError,
          (s) => [{ streamName: s, events: [event('A')], expectedRevision: 0 }],
        ],
        [
          'a metadata value that is not a string',
          InvalidEventError,
          (s) => [{ streamName: s, events: [{ ...event('A'), metadata: { n: 1 } }] }],
        ],
        [
          'an event type with a space',
          InvalidEventError,
          (s) => [{ streamName: s, events: [event('Thing Happened')] }],
        ],
        [
          'an event id that is not a UUID',
          InvalidEventError,
          (s) => [{ streamName: s, events: [{ ...event('A'), id: 'evt-1' }] }],
        ],
        [
          'a check of ANY',
          InvalidMultiStreamAppendError,
          (s) => [{ streamName: s, events: [event('A')] }],
          (s) => ({ checks: [{ streamName: `${s}-c`, expectedRevision: ANY }] }),
        ],
        [
          'a check on a written stream',
          InvalidMultiStreamAppendError,
          (s) => [{ streamName: s, events: [event('A')] }],
          (s) => ({ checks: [{ streamName: s, expectedRevision: NO_STREAM }] }),
        ],
        [
          'two checks on one stream',
          InvalidMultiStreamAppendError,
          (s) => [{ streamName: s, events: [event('A')] }],
          (s) => ({
            checks: [
              { streamName: `${s}-c`, expectedRevision: NO_STREAM },
              { streamName: `${s}-c`, expectedRevision: 0n },
            ],
          }),
        ],
        [
          'checks that are not an array',
          InvalidMultiStreamAppendError,
          (s) => [{ streamName: s, events: [event('A')] }],
          () => ({ checks: 'none' }),
        ],
        [
          'an unknown option',
          InvalidMultiStreamAppendError,
          (s) => [{ streamName: s, events: [event('A')] }],
          () => ({ check: [] }),
        ],
      ];
      it.each(
        cases.map(
          ([label, errorClass, requests, options]) =>
            [label, errorClass, requests, options ?? (() => undefined)] as const,
        ),
      )('refuses %s with its typed error, writing nothing', async (_label, errorClass, requests, options) => {
        const s = stream('hostile');
        const failure = await appendToStreams(store, requests(s) as never, options(s) as never).catch(
          (error: unknown) => error,
        );
        expect(errorClass.is(failure)).toBe(true);
        expect(await types(s)).toEqual([]);
      });

      // A real server's limit depends on its version and settings.
      (offers.knowsMaxAppendSize ? it : it.skip)(
        'refuses a commit larger than one append may hold, writing nothing',
        async () => {
          const limit = subject.maxAppendSize!;
          const [a, b] = [stream('a'), stream('b')];
          const half = 'x'.repeat(Math.ceil(limit / 2));
          const failure = await append([
            { streamName: a, events: [event('A.Big', { half })] },
            { streamName: b, events: [event('B.Big', { half })] },
          ]).catch((error: unknown) => error);
          expect(EventTooLargeError.is(failure)).toBe(true);
          expect(await types(a)).toEqual([]);
        },
      );
    });

    // Only stores with deletion (KurrentDB) have deleted streams.
    (offers.deletes ? describe : describe.skip)('deleted streams', () => {
      it('fails with StreamDeletedError when a written stream is tombstoned, writing nothing', async () => {
        const [a, gone] = [stream('a'), stream('gone')];
        await store.appendToStream(gone, [event('G.Zero')]);
        await subject.deleteStream!(gone, true);
        const failure = await append([
          { streamName: a, events: [event('A.One')] },
          { streamName: gone, events: [event('G.One')] },
        ]).catch((error: unknown) => error);
        expect(StreamDeletedError.is(failure)).toBe(true);
        expect((failure as StreamDeletedError).streamName).toBe(gone);
        expect(await types(a)).toEqual([]);
      });

      it('writes a soft-deleted stream expected as NO_STREAM, continuing its revisions', async () => {
        const [a, deleted] = [stream('a'), stream('deleted')];
        await store.appendToStream(deleted, [event('D.Zero'), event('D.One')]);
        await subject.deleteStream!(deleted, false);
        const result = await append([
          { streamName: a, events: [event('A.One')] },
          { streamName: deleted, events: [event('D.Again')], expectedRevision: NO_STREAM },
        ]);
        expect(result.streams[1]).toEqual({ streamName: deleted, nextExpectedRevision: 2n });
        expect(await types(deleted)).toEqual(['D.Again']);
      });

      it('fails a STREAM_EXISTS check on a soft-deleted stream as a conflict with NO_STREAM', async () => {
        const [a, deleted] = [stream('a'), stream('deleted')];
        await store.appendToStream(deleted, [event('D.Zero')]);
        await subject.deleteStream!(deleted, false);
        const failure = await append([{ streamName: a, events: [event('A.One')] }], {
          checks: [{ streamName: deleted, expectedRevision: STREAM_EXISTS }],
        }).catch((error: unknown) => error);
        expect((failure as MultiStreamConcurrencyError).conflicts).toEqual([
          { streamName: deleted, role: 'check', expected: STREAM_EXISTS, actual: NO_STREAM },
        ]);
        expect(await types(a)).toEqual([]);
      });
    });
  });
}
