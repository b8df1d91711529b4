import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ANY,
  ConcurrencyError,
  EventStoreError,
  EventTooLargeError,
  InvalidEventError,
  InvalidReadAllOptionsError,
  MnemeError,
  NO_STREAM,
  STREAM_EXISTS,
  comparePositions,
  type EventData,
  type EventStore,
  type GlobalPosition,
  type PositionedEvent,
} from 'mneme';
import { collect } from '../support/collect.js';

/** What a contract run needs: a store, and how to release it. */
export interface StoreUnderTest {
  store: EventStore;
  close?: () => Promise<void>;
  /**
   * The store's append size limit in bytes, when the test knows it (the emulator's and the
   * in-memory store's 1 MiB default; a real server's depends on its version and settings).
   */
  maxAppendSize?: number;
}

const event = (type: string, data: unknown = {}, id?: string): EventData => ({ type, data, ...(id ? { id } : {}) });

/** `{ a: { a: ... } }` and `[[...]]`, `levels` deep: deeper than any stack walk survives. */
function nested(levels: number, kind: 'object' | 'array'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
}
const deepObject = nested(100_000, 'object');
const deepArray = nested(100_000, 'array');

const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;
const noPrototype = Object.create(null) as object;

/**
 * Arguments of the wrong type, as JavaScript callers (or `as any`) pass them. Every store answers
 * each with the same typed Mneme error, before writing anything; never a raw TypeError.
 */
const hostileAppends: [label: string, code: string, call: (store: EventStore, stream: string) => Promise<unknown>][] = [
  ['a BigInt stream name', 'MNEME_INVALID_STREAM_NAME', (store) => store.appendToStream(10n as never, [event('A')])],
  [
    'an object stream name',
    'MNEME_INVALID_STREAM_NAME',
    (store) => store.appendToStream({ name: 's' } as never, [event('A')]),
  ],
  [
    'a cyclic object stream name',
    'MNEME_INVALID_STREAM_NAME',
    (store) => store.appendToStream(cyclic as never, [event('A')]),
  ],
  [
    'a stream name with no prototype',
    'MNEME_INVALID_STREAM_NAME',
    (store) => store.appendToStream(noPrototype as never, [event('A')]),
  ],
  [
    'a symbol stream name',
    'MNEME_INVALID_STREAM_NAME',
    (store) => store.appendToStream(Symbol('s') as never, [event('A')]),
  ],
  [
    'a numeric event id',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ ...event('A'), id: 42 as never }]),
  ],
  [
    'a BigInt event id',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ ...event('A'), id: 42n as never }]),
  ],
  [
    'an object event id',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ ...event('A'), id: cyclic as never }]),
  ],
  [
    'an event id that is not a UUID',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [event('A', {}, 'evt-1')]),
  ],
  [
    'a number as expectedRevision',
    'MNEME_INVALID_EXPECTED_REVISION',
    (store, s) => store.appendToStream(s, [event('A')], { expectedRevision: 0 as never }),
  ],
  [
    'a string as expectedRevision',
    'MNEME_INVALID_EXPECTED_REVISION',
    (store, s) => store.appendToStream(s, [event('A')], { expectedRevision: '0' as never }),
  ],
  [
    'an object as expectedRevision',
    'MNEME_INVALID_EXPECTED_REVISION',
    (store, s) => store.appendToStream(s, [event('A')], { expectedRevision: noPrototype as never }),
  ],
  [
    'a negative expectedRevision',
    'MNEME_INVALID_EXPECTED_REVISION',
    (store, s) => store.appendToStream(s, [event('A')], { expectedRevision: -2n }),
  ],
  [
    'metadata that is an array',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ ...event('A'), metadata: ['x'] as never }]),
  ],
  [
    'metadata that is a string',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ ...event('A'), metadata: 'x' as never }]),
  ],
  [
    'metadata that is null',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ ...event('A'), metadata: null as never }]),
  ],
  [
    'metadata that is a Date',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ ...event('A'), metadata: new Date() as never }]),
  ],
  [
    'metadata holding a BigInt',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ ...event('A'), metadata: { n: 1n } }]),
  ],
  ['events that is not an array', 'MNEME_INVALID_EVENT', (store, s) => store.appendToStream(s, event('A') as never)],
  ['an event that is null', 'MNEME_INVALID_EVENT', (store, s) => store.appendToStream(s, [event('A'), null as never])],
  [
    'a sparse events array',
    'MNEME_INVALID_EVENT',
    // eslint-disable-next-line no-sparse-arrays -- the hole is the point
    (store, s) => store.appendToStream(s, [event('A'), , event('B')] as never),
  ],
  [
    'an event whose type is a number',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ type: 7 as never, data: {} }]),
  ],
  [
    'data nested 100,000 objects deep',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [event('A', deepObject)]),
  ],
  [
    'data holding arrays nested 100,000 deep',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [event('A', { list: deepArray })]),
  ],
  [
    'metadata nested 100,000 objects deep',
    'MNEME_INVALID_EVENT',
    (store, s) => store.appendToStream(s, [{ ...event('A'), metadata: { deep: deepObject } }]),
  ],
];

const hostileReads: [label: string, stream: unknown][] = [
  ['a BigInt', 10n],
  ['an object', { name: 's' }],
  ['a cyclic object', cyclic],
  ['an object with no prototype', noPrototype],
  ['undefined', undefined],
];

/** Read options of the wrong shape: every store refuses each with the option named, before reading. */
const hostileReadOptions: [label: string, options: unknown, option: string][] = [
  ['null options', null, 'options'],
  ['a string as options', 'backwards', 'options'],
  ['an unknown option (a typo)', { maxcount: 1 }, 'maxcount'],
  ['a number as fromRevision', { fromRevision: 2 }, 'fromRevision'],
  ['a negative fromRevision', { fromRevision: -1n }, 'fromRevision'],
  ['an unknown direction', { direction: 'sideways' }, 'direction'],
  ['a negative maxCount', { maxCount: -1 }, 'maxCount'],
  ['a fractional maxCount', { maxCount: 1.5 }, 'maxCount'],
  ['a BigInt maxCount', { maxCount: 2n }, 'maxCount'],
  ['a misspelt direction', { direction: 'backward' }, 'direction'],
];

/**
 * The EventStore contract, written once and run against every implementation. Every assertion
 * here holds for a real KurrentDB server too: stream names are unique per test.
 */
export function describeEventStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: EventStore;
    const stream = (label: string) => `contract_${label}-${randomUUID().replace(/-/g, '')}`;

    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.close?.();
    });

    describe('appending', () => {
      it('numbers events from revision 0 and returns the last revision', async () => {
        const s = stream('numbering');
        const result = await store.appendToStream(s, [event('A'), event('B'), event('C')]);
        expect(result.nextExpectedRevision).toBe(2n);
        const again = await store.appendToStream(s, [event('D')]);
        expect(again.nextExpectedRevision).toBe(3n);
        expect((await collect(store.readStream(s))).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
      });

      it('stores type, data, metadata and the given id, and returns them on read', async () => {
        const s = stream('roundtrip');
        const id = randomUUID();
        const before = Date.now();
        await store.appendToStream(s, [
          {
            id,
            type: 'Thing.Happened',
            data: { n: 1, nested: { list: [1, 'two', null, true] } },
            metadata: { correlationId: 'c-1' },
          },
        ]);
        const [recorded] = await collect(store.readStream(s));
        expect(recorded).toMatchObject({
          id,
          streamName: s,
          revision: 0n,
          type: 'Thing.Happened',
          data: { n: 1, nested: { list: [1, 'two', null, true] } },
          metadata: { correlationId: 'c-1' },
        });
        expect(recorded!.createdAt).toBeInstanceOf(Date);
        // KurrentDB's bridge truncates to whole seconds.
        expect(recorded!.createdAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      });

      it('generates a UUID id when none is given', async () => {
        const s = stream('generated-id');
        await store.appendToStream(s, [event('A')]);
        const [recorded] = await collect(store.readStream(s));
        expect(recorded!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
      });

      it('reads back an empty metadata object when none was given', async () => {
        const s = stream('no-metadata');
        await store.appendToStream(s, [event('A', { x: 1 })]);
        const [recorded] = await collect(store.readStream(s));
        expect(recorded!.metadata).toEqual({});
      });

      it('rejects an event without a type before writing anything', async () => {
        const s = stream('no-type');
        await expect(store.appendToStream(s, [event('A'), { type: '', data: {} }])).rejects.toThrow(InvalidEventError);
        expect(await collect(store.readStream(s))).toEqual([]);
      });

      it('rejects data JSON cannot hold (BigInt, cycles) before writing anything', async () => {
        const s = stream('bad-data');
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        await expect(store.appendToStream(s, [event('A'), event('B', { big: 1n })])).rejects.toThrow(InvalidEventError);
        await expect(store.appendToStream(s, [event('A'), event('B', cyclic)])).rejects.toThrow(InvalidEventError);
        expect(await collect(store.readStream(s))).toEqual([]);
      });

      it('rejects an empty stream name for appends and reads', async () => {
        await expect(store.appendToStream(' ', [event('A')])).rejects.toMatchObject({
          code: 'MNEME_INVALID_STREAM_NAME',
        });
        await expect(collect(store.readStream(''))).rejects.toMatchObject({ code: 'MNEME_INVALID_STREAM_NAME' });
      });

      it('rejects an id that is not a UUID', async () => {
        const s = stream('bad-id');
        await expect(store.appendToStream(s, [event('A', {}, 'not-a-uuid')])).rejects.toThrow(InvalidEventError);
        expect(await collect(store.readStream(s))).toEqual([]);
      });
    });

    describe('hostile input', () => {
      it.each(hostileAppends)('rejects an append with %s with %s and writes nothing', async (_label, code, call) => {
        const s = stream('hostile');
        const error = await call(store, s).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MnemeError);
        expect((error as MnemeError).code).toBe(code);
        expect(await collect(store.readStream(s))).toEqual([]);
      });

      it.each(hostileReads)(
        'rejects a read of %s as stream name with MNEME_INVALID_STREAM_NAME',
        async (_label, name) => {
          const error = await collect(store.readStream(name as never)).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(MnemeError);
          expect((error as MnemeError).code).toBe('MNEME_INVALID_STREAM_NAME');
        },
      );

      it.each(hostileReadOptions)(
        'rejects a read with %s with MNEME_INVALID_READ_OPTIONS naming the option',
        async (_label, options, option) => {
          const s = stream('hostile-read');
          await store.appendToStream(s, [event('A'), event('B')]);
          const error = await collect(store.readStream(s, options as never)).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(MnemeError);
          expect(EventStoreError.is(error)).toBe(false); // an argument error, not a store failure
          expect(error).toMatchObject({ code: 'MNEME_INVALID_READ_OPTIONS', option });
        },
      );
    });

    describe('append size', () => {
      // As KurrentDB counts it: data and metadata as UTF-8 JSON, the type twice.
      const TYPE = 'Sized';
      /** One event of exactly `bytes`, its data a string of 2-byte characters (and one 1-byte one if odd). */
      const sized = (bytes: number): EventData => {
        const payload = bytes - 2 * TYPE.length - '{"s":""}'.length;
        return { type: TYPE, data: { s: 'é'.repeat(Math.floor(payload / 2)) + (payload % 2 ? 'x' : '') } };
      };

      it('appends events up to the limit in one append', async () => {
        const limit = subject.maxAppendSize ?? 1024 * 1024;
        const s = stream('size-ok');
        await store.appendToStream(s, [sized(limit - 1000), sized(1000)]);
        expect(await collect(store.readStream(s))).toHaveLength(2);
      });

      it('refuses one byte more with EventTooLargeError and writes none of the events', async () => {
        if (subject.maxAppendSize === undefined) return; // a real server's limit depends on its version
        const limit = subject.maxAppendSize;
        const s = stream('size-over');
        await store.appendToStream(s, [event('Before')]);
        const error = await store.appendToStream(s, [sized(1000), sized(limit - 999)]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EventTooLargeError);
        expect(error).toMatchObject({ code: 'MNEME_EVENT_TOO_LARGE', streamName: s, maxAppendSize: limit });
        expect(InvalidEventError.is(error)).toBe(true);
        expect((await collect(store.readStream(s))).map((e) => e.type)).toEqual(['Before']);
      });

      it('refuses a single event over the limit, whatever the expected revision', async () => {
        if (subject.maxAppendSize === undefined) return;
        const s = stream('size-one');
        const error = await store
          .appendToStream(s, [sized(subject.maxAppendSize + 1)], { expectedRevision: NO_STREAM })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EventTooLargeError);
        expect(await collect(store.readStream(s))).toEqual([]);
      });
    });

    describe('expected revision', () => {
      it('ANY appends to a missing and to an existing stream', async () => {
        const s = stream('any');
        expect((await store.appendToStream(s, [event('A')], { expectedRevision: ANY })).nextExpectedRevision).toBe(0n);
        expect((await store.appendToStream(s, [event('B')], { expectedRevision: ANY })).nextExpectedRevision).toBe(1n);
      });

      it('NO_STREAM creates a stream once and then conflicts', async () => {
        const s = stream('no-stream');
        await store.appendToStream(s, [event('A')], { expectedRevision: NO_STREAM });
        const error = await store
          .appendToStream(s, [event('B')], { expectedRevision: NO_STREAM })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({
          streamName: s,
          expected: NO_STREAM,
          actual: 0n,
          code: 'MNEME_CONCURRENCY_CONFLICT',
        });
      });

      it('STREAM_EXISTS conflicts on a missing stream and appends to an existing one', async () => {
        const s = stream('exists');
        const error = await store
          .appendToStream(s, [event('A')], { expectedRevision: STREAM_EXISTS })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamName: s, expected: STREAM_EXISTS, actual: NO_STREAM });
        await store.appendToStream(s, [event('A')]);
        expect(
          (await store.appendToStream(s, [event('B')], { expectedRevision: STREAM_EXISTS })).nextExpectedRevision,
        ).toBe(1n);
      });

      it('an exact revision appends when it is the last revision', async () => {
        const s = stream('exact');
        await store.appendToStream(s, [event('A'), event('B')]);
        expect((await store.appendToStream(s, [event('C')], { expectedRevision: 1n })).nextExpectedRevision).toBe(2n);
      });

      it('an exact revision behind the stream conflicts with the actual revision', async () => {
        const s = stream('behind');
        await store.appendToStream(s, [event('A'), event('B'), event('C')]);
        const error = await store.appendToStream(s, [event('D')], { expectedRevision: 0n }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamName: s, expected: 0n, actual: 2n });
      });

      it('an exact revision ahead of the stream conflicts', async () => {
        const s = stream('ahead');
        await store.appendToStream(s, [event('A')]);
        await expect(store.appendToStream(s, [event('B')], { expectedRevision: 5n })).rejects.toMatchObject({
          expected: 5n,
          actual: 0n,
        });
      });

      it('an exact revision on a missing stream conflicts with actual NO_STREAM', async () => {
        const s = stream('exact-missing');
        await expect(store.appendToStream(s, [event('A')], { expectedRevision: 0n })).rejects.toMatchObject({
          streamName: s,
          expected: 0n,
          actual: NO_STREAM,
        });
      });

      it('only one of two concurrent creates with NO_STREAM succeeds', async () => {
        const s = stream('race');
        const results = await Promise.allSettled([
          store.appendToStream(s, [event('A')], { expectedRevision: NO_STREAM }),
          store.appendToStream(s, [event('B')], { expectedRevision: NO_STREAM }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(ConcurrencyError);
        expect(await collect(store.readStream(s))).toHaveLength(1);
      });

      it('concurrent appends at one exact revision: exactly one wins', async () => {
        const s = stream('exact-race');
        await store.appendToStream(s, [event('A')]);
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) => store.appendToStream(s, [event(`B${i}`)], { expectedRevision: 0n })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect((await collect(store.readStream(s))).map((e) => e.revision)).toEqual([0n, 1n]);
      });

      it('rejects an expected revision that is not one of the allowed values', async () => {
        const s = stream('bad-expected');
        await expect(store.appendToStream(s, [event('A')], { expectedRevision: -1n })).rejects.toMatchObject({
          code: 'MNEME_INVALID_EXPECTED_REVISION',
        });
      });
    });

    describe('atomicity', () => {
      it('a conflicting append writes none of its events', async () => {
        const s = stream('atomic');
        await store.appendToStream(s, [event('A')]);
        await expect(
          store.appendToStream(s, [event('B'), event('C'), event('D')], { expectedRevision: NO_STREAM }),
        ).rejects.toThrow(ConcurrencyError);
        expect((await collect(store.readStream(s))).map((e) => e.type)).toEqual(['A']);
      });

      it('concurrent multi-event appends never interleave', async () => {
        const s = stream('no-interleave');
        await Promise.all(
          ['x', 'y', 'z'].map((w) => store.appendToStream(s, [event(`${w}1`), event(`${w}2`), event(`${w}3`)])),
        );
        const types = (await collect(store.readStream(s))).map((e) => e.type);
        expect(types).toHaveLength(9);
        for (let i = 0; i < 9; i += 3) {
          const writer = types[i]![0];
          expect(types.slice(i, i + 3)).toEqual([`${writer}1`, `${writer}2`, `${writer}3`]);
        }
      });
    });

    describe('idempotent re-append of the same event ids', () => {
      it('ANY: re-sending the same ids writes nothing and returns the original revision', async () => {
        const s = stream('idem-any');
        const batch = [event('A', {}, randomUUID()), event('B', {}, randomUUID())];
        expect((await store.appendToStream(s, batch)).nextExpectedRevision).toBe(1n);
        await store.appendToStream(s, [event('C')]);
        expect((await store.appendToStream(s, batch, { expectedRevision: ANY })).nextExpectedRevision).toBe(1n);
        expect((await collect(store.readStream(s))).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('ANY: a batch whose first id was written but a later one was not is a conflict', async () => {
        const s = stream('idem-corrupt');
        const first = event('A', {}, randomUUID());
        await store.appendToStream(s, [first]);
        await expect(store.appendToStream(s, [first, event('B', {}, randomUUID())])).rejects.toThrow(ConcurrencyError);
        expect(await collect(store.readStream(s))).toHaveLength(1);
      });

      it('NO_STREAM: re-sending the creating batch succeeds without writing', async () => {
        const s = stream('idem-no-stream');
        const batch = [event('A', {}, randomUUID()), event('B', {}, randomUUID())];
        await store.appendToStream(s, batch, { expectedRevision: NO_STREAM });
        expect((await store.appendToStream(s, batch, { expectedRevision: NO_STREAM })).nextExpectedRevision).toBe(1n);
        expect(await collect(store.readStream(s))).toHaveLength(2);
      });

      it('exact revision: re-sending the batch written after that revision succeeds without writing', async () => {
        const s = stream('idem-exact');
        await store.appendToStream(s, [event('A')]);
        const batch = [event('B', {}, randomUUID()), event('C', {}, randomUUID())];
        await store.appendToStream(s, batch, { expectedRevision: 0n });
        await store.appendToStream(s, [event('D')]);
        expect((await store.appendToStream(s, batch, { expectedRevision: 0n })).nextExpectedRevision).toBe(2n);
        expect((await collect(store.readStream(s))).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
      });

      it('ANY: an id written to another stream since counts as new, and is written again', async () => {
        const [s, other] = [stream('idem-moved'), stream('idem-moved-other')];
        const id = randomUUID();
        await store.appendToStream(s, [event('A', {}, id)]);
        await store.appendToStream(other, [event('A', {}, id)]);
        const again = await store.appendToStream(s, [event('A', {}, id)], { expectedRevision: ANY });
        expect(again.nextExpectedRevision).toBe(1n);
        expect((await collect(store.readStream(s))).map((e) => e.id)).toEqual([id, id]);
      });

      it('NO_STREAM: the creating batch is recognised at its revisions, even if its id was written again', async () => {
        const s = stream('idem-rewritten');
        const id = randomUUID();
        await store.appendToStream(s, [event('A', {}, id)], { expectedRevision: NO_STREAM });
        await store.appendToStream(s, [event('B', {}, randomUUID()), event('A', {}, id)], { expectedRevision: ANY });
        const again = await store.appendToStream(s, [event('A', {}, id)], { expectedRevision: NO_STREAM });
        expect(again.nextExpectedRevision).toBe(0n);
        expect(await collect(store.readStream(s))).toHaveLength(3);
      });

      it('an empty append writes nothing and is decided by the expected revision alone', async () => {
        const s = stream('idem-empty');
        expect((await store.appendToStream(s, [], { expectedRevision: NO_STREAM })).nextExpectedRevision).toBe(-1n);
        const missing = store.appendToStream(s, [], { expectedRevision: STREAM_EXISTS });
        await expect(missing).rejects.toThrow(ConcurrencyError);
        await store.appendToStream(s, [event('A'), event('B')]);
        expect((await store.appendToStream(s, [], { expectedRevision: ANY })).nextExpectedRevision).toBe(1n);
        expect((await store.appendToStream(s, [], { expectedRevision: 1n })).nextExpectedRevision).toBe(1n);
        await expect(store.appendToStream(s, [], { expectedRevision: 0n })).rejects.toThrow(ConcurrencyError);
        await expect(store.appendToStream(s, [], { expectedRevision: NO_STREAM })).rejects.toThrow(ConcurrencyError);
        expect(await collect(store.readStream(s))).toHaveLength(2);
      });

      it('exact revision: different ids after that revision are a conflict', async () => {
        const s = stream('idem-exact-conflict');
        await store.appendToStream(s, [event('A'), event('B')]);
        await expect(store.appendToStream(s, [event('X', {}, randomUUID())], { expectedRevision: 0n })).rejects.toThrow(
          ConcurrencyError,
        );
      });
    });

    describe('the global log', () => {
      const category = () => `contract_all${randomUUID().replace(/-/g, '')}`;
      const byStream = (prefix: string) => ({ filter: { streamNamePrefixes: [prefix] } });

      it('reads appended events in store order, with increasing positions', async () => {
        const c = category();
        await store.appendToStream(`${c}-a`, [event('A1'), event('A2')]);
        await store.appendToStream(`${c}-b`, [event('B1')]);
        await store.appendToStream(`${c}-a`, [event('A3')]);
        const events = await collect(store.readAll(byStream(`${c}-`)));
        expect(events.map((e) => `${e.streamName.slice(-1)}:${e.type}@${e.revision}`)).toEqual([
          'a:A1@0',
          'a:A2@1',
          'b:B1@0',
          'a:A3@2',
        ]);
        for (let i = 1; i < events.length; i++)
          expect(comparePositions(events[i - 1]!.position, events[i]!.position)).toBeLessThan(0);
      });

      it('starts after fromPosition, limits the count and reads backwards', async () => {
        const c = category();
        await store.appendToStream(
          `${c}-x`,
          ['E0', 'E1', 'E2', 'E3'].map((t) => event(t)),
        );
        const all = await collect(store.readAll(byStream(`${c}-`)));
        const types = async (options: Parameters<EventStore['readAll']>[0]) =>
          (await collect(store.readAll({ ...byStream(`${c}-`), ...options }))).map((e) => e.type);
        expect(await types({ fromPosition: all[1]!.position })).toEqual(['E2', 'E3']);
        expect(await types({ maxCount: 2 })).toEqual(['E0', 'E1']);
        expect(await types({ fromPosition: all[0]!.position, maxCount: 1 })).toEqual(['E1']);
        expect(await types({ direction: 'backwards' })).toEqual(['E3', 'E2', 'E1', 'E0']);
        expect(await types({ direction: 'backwards', fromPosition: all[2]!.position })).toEqual(['E1', 'E0']);
        expect(await types({ fromPosition: all[3]!.position })).toEqual([]);
      });

      it('filters by event-type prefix', async () => {
        const c = category();
        await store.appendToStream(`${c}-x`, [event(`${c}.Opened`), event('Other.Thing'), event(`${c}.Closed`)]);
        const events = await collect(store.readAll({ filter: { eventTypePrefixes: [`${c}.`] } }));
        expect(events.map((e) => e.type)).toEqual([`${c}.Opened`, `${c}.Closed`]);
      });

      it('never yields events of system streams', async () => {
        const c = category();
        await store.appendToStream(`${c}-user`, [event(`${c}.Visible`)]);
        await store.appendToStream(`$${c}-system`, [event(`${c}.Hidden`)]);
        const byType = await collect(store.readAll({ filter: { eventTypePrefixes: [`${c}.`] } }));
        expect(byType.map((e) => e.type)).toEqual([`${c}.Visible`]);
        const [latest] = await collect(store.readAll({ direction: 'backwards', maxCount: 1 }));
        expect(latest!.streamName.startsWith('$')).toBe(false);
      });

      it('rejects a filter, position or count it cannot use, before reading', async () => {
        await expect(collect(store.readAll({ filter: { streamNamePrefixes: [] } }))).rejects.toThrow(
          InvalidReadAllOptionsError,
        );
        await expect(collect(store.readAll({ filter: { streamNamePrefixes: ['$ce-'] } }))).rejects.toMatchObject({
          code: 'MNEME_INVALID_READ_ALL_OPTIONS',
          option: 'filter.streamNamePrefixes',
        });
        expect(() => store.subscribeToAll({ filter: { eventTypePrefixes: [''] } })).toThrow(InvalidReadAllOptionsError);
        const both = { streamNamePrefixes: ['a-'], eventTypePrefixes: ['A'] } as unknown as {
          streamNamePrefixes: string[];
        };
        await expect(collect(store.readAll({ filter: both }))).rejects.toMatchObject({ option: 'filter' });
        const numbers = { commit: 1, prepare: 1 } as unknown as GlobalPosition;
        await expect(collect(store.readAll({ fromPosition: numbers }))).rejects.toMatchObject({
          option: 'fromPosition',
        });
        expect(() => store.subscribeToAll({ fromPosition: numbers })).toThrow(InvalidReadAllOptionsError);
        await expect(collect(store.readAll({ maxCount: -1 }))).rejects.toMatchObject({ option: 'maxCount' });
      });

      it('a subscription from the past catches up, then follows live appends until closed', async () => {
        const c = category();
        await store.appendToStream(`${c}-1`, [event('Past1'), event('Past2')]);
        const seen: PositionedEvent[] = [];
        let appendedLive = false;
        for await (const recorded of store.subscribeToAll(byStream(`${c}-`))) {
          seen.push(recorded);
          if (seen.length === 2 && !appendedLive) {
            appendedLive = true;
            // Written after the catch-up reached the end: only the live part can deliver these.
            await store.appendToStream(`${c}-2`, [event('Live1')]);
            await store.appendToStream(`${c}-1`, [event('Live2')]);
          }
          if (seen.length === 4) break;
        }
        expect(seen.map((e) => e.type)).toEqual(['Past1', 'Past2', 'Live1', 'Live2']);
        expect(seen.map((e) => e.streamName)).toEqual([`${c}-1`, `${c}-1`, `${c}-2`, `${c}-1`]);
      });

      it('a slow subscriber gets every event of a long catch-up, in order', async () => {
        const c = category();
        for (let batch = 0; batch < 6; batch++) {
          await store.appendToStream(
            `${c}-1`,
            Array.from({ length: 200 }, (_, i) => event('N', { n: batch * 200 + i })),
          );
        }
        const seen: number[] = [];
        for await (const recorded of store.subscribeToAll(byStream(`${c}-`))) {
          seen.push((recorded.data as { n: number }).n);
          if (seen.length % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 5)); // the consumer lags
          if (seen.length === 1200) break;
        }
        expect(seen).toEqual(Array.from({ length: 1200 }, (_, i) => i));
      });

      it('a subscription resumes just after a position', async () => {
        const c = category();
        await store.appendToStream(`${c}-1`, [event('A'), event('B'), event('C')]);
        const [first] = await collect(store.readAll({ ...byStream(`${c}-`), maxCount: 1 }));
        const iterator = store
          .subscribeToAll({ ...byStream(`${c}-`), fromPosition: first!.position })
          [Symbol.asyncIterator]();
        expect((await iterator.next()).value?.type).toBe('B');
        expect((await iterator.next()).value?.type).toBe('C');
        await iterator.return?.();
      });

      it('return() ends a subscription that is waiting for appends', async () => {
        const c = category();
        const iterator = store.subscribeToAll(byStream(`${c}-`))[Symbol.asyncIterator]();
        const waiting = iterator.next();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await iterator.return?.();
        await expect(waiting).resolves.toMatchObject({ done: true });
        // Closed for good: an append afterwards is not delivered.
        await store.appendToStream(`${c}-1`, [event('After')]);
        await expect(iterator.next()).resolves.toMatchObject({ done: true });
      });

      it('reports checkpoints past events a sparse filter leaves out', async () => {
        const c = category();
        const checkpoints: GlobalPosition[] = [];
        const iterator = store
          .subscribeToAll({
            filter: { eventTypePrefixes: [`${c}.Wanted`] },
            onCheckpoint: (position) => void checkpoints.push(position),
          })
          [Symbol.asyncIterator]();
        const next = iterator.next();
        // Enough unwanted events for a server's checkpoint window (32 x the interval multiplier).
        for (let i = 0; i < 4; i++)
          await store.appendToStream(
            `${c}-noise`,
            Array.from({ length: 50 }, () => event(`${c}.Noise`)),
          );
        const noise = await collect(store.readAll(byStream(`${c}-`)));
        const lastNoise = noise.at(-1)!.position;
        await store.appendToStream(`${c}-1`, [event(`${c}.Wanted`)]);
        const wanted = await next;
        expect(wanted.value?.type).toBe(`${c}.Wanted`);
        await iterator.return?.();
        // A checkpoint came in past some of the noise, and before the wanted event.
        expect(checkpoints.length).toBeGreaterThan(0);
        expect(comparePositions(checkpoints.at(-1)!, noise[0]!.position)).toBeGreaterThanOrEqual(0);
        expect(comparePositions(checkpoints.at(-1)!, wanted.value!.position)).toBeLessThan(0);
        expect(comparePositions(lastNoise, wanted.value!.position)).toBeLessThan(0);
      });
    });

    describe('reading', () => {
      let s: string;
      beforeAll(async () => {
        s = stream('reads');
        await store.appendToStream(
          s,
          ['E0', 'E1', 'E2', 'E3', 'E4'].map((t) => event(t, { t })),
        );
      });
      const types = async (options?: Parameters<EventStore['readStream']>[1]) =>
        (await collect(store.readStream(s, options))).map((e) => e.type);

      it('a missing stream yields nothing', async () => {
        expect(await collect(store.readStream(stream('missing')))).toEqual([]);
      });

      it('reads forwards from the start by default', async () => {
        expect(await types()).toEqual(['E0', 'E1', 'E2', 'E3', 'E4']);
      });

      it('reads forwards from a revision, inclusive', async () => {
        expect(await types({ fromRevision: 2n })).toEqual(['E2', 'E3', 'E4']);
      });

      it('reads backwards from the end by default', async () => {
        expect(await types({ direction: 'backwards' })).toEqual(['E4', 'E3', 'E2', 'E1', 'E0']);
      });

      it('reads backwards from a revision, inclusive', async () => {
        expect(await types({ direction: 'backwards', fromRevision: 1n })).toEqual(['E1', 'E0']);
      });

      it('limits the count in both directions', async () => {
        expect(await types({ maxCount: 2 })).toEqual(['E0', 'E1']);
        expect(await types({ direction: 'backwards', maxCount: 1 })).toEqual(['E4']);
        expect(await types({ fromRevision: 1n, maxCount: 2 })).toEqual(['E1', 'E2']);
      });

      it('reading past the end yields nothing', async () => {
        expect(await types({ fromRevision: 5n })).toEqual([]);
      });

      it("never lets one reader's change to the data reach another reader", async () => {
        const [first] = await collect(store.readStream(s, { maxCount: 1 }));
        // A store hands out its own copy, or data frozen against change (InMemoryEventStore).
        try {
          (first!.data as { t: string }).t = 'changed';
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
        }
        const [again] = await collect(store.readStream(s, { maxCount: 1 }));
        expect(again!.data).toEqual({ t: 'E0' });
      });
    });
  });
}
