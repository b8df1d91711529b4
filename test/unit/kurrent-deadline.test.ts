import { describe, expect, it } from '@jest/globals';
import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import {
  EventStoreTimeoutError,
  EventStoreUnavailableError,
  InvalidConfigurationError,
  type RecordedEvent,
} from 'mneme';
import { createKurrentEventStore, DEFAULT_DEADLINE_MS, KurrentEventStore } from 'mneme/kurrent';
import { DeadlinePassed, eachWithin, withDeadline } from '../../src/kurrent/deadline.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A promise settled from outside, with no handler attached by the test. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** An async iterator whose steps the test settles by hand, recording `return()` calls. */
function stuckSource() {
  const steps: ReturnType<typeof pending<IteratorResult<number>>>[] = [];
  const source = {
    returned: 0,
    steps,
    [Symbol.asyncIterator]() {
      return {
        next: () => {
          const step = pending<IteratorResult<number>>();
          steps.push(step);
          return step.promise;
        },
        return: async () => {
          source.returned++;
          return { done: true as const, value: undefined };
        },
      };
    },
  };
  return source;
}

/** A stand-in for the client whose calls never answer until the test says so. */
function silentClient() {
  const append = pending<never>();
  const reads = stuckSource();
  const client = {
    appendCalls: [] as unknown[],
    appendToStream: (...args: unknown[]) => {
      client.appendCalls.push(args);
      return append.promise;
    },
    readCalls: [] as unknown[],
    readStream: (...args: unknown[]) => {
      client.readCalls.push(args);
      return reads;
    },
    dispose: async () => undefined,
  };
  return { client, append, reads, asClient: client as unknown as KurrentDBClient };
}

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

describe(withDeadline.name, () => {
  it('settles with the work when it finishes first', async () => {
    await expect(withDeadline(Promise.resolve('done'), 1000)).resolves.toBe('done');
    await expect(withDeadline(Promise.reject(new Error('no')), 1000)).rejects.toThrow('no');
  });

  it('rejects with DeadlinePassed when the work is slower than the deadline', async () => {
    const work = pending<string>();
    const error = await withDeadline(work.promise, 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlinePassed);
    expect(error).toMatchObject({ deadlineMs: 5 });
  });

  it('handles a late failure of the abandoned work, so it never becomes an unhandled rejection', async () => {
    const work = pending<string>();
    await expect(withDeadline(work.promise, 5)).rejects.toBeInstanceOf(DeadlinePassed);
    work.reject(new Error('the connection dropped later'));
    // Jest fails this test if the rejection above is unhandled.
    await tick();
    await tick();
  });
});

describe(eachWithin.name, () => {
  it('passes items through while each arrives in time', async () => {
    async function* three() {
      yield 1;
      yield 2;
      yield 3;
    }
    const out: number[] = [];
    for await (const item of eachWithin(three(), 1000)) out.push(item);
    expect(out).toEqual([1, 2, 3]);
  });

  it('never counts the time the consumer spends on an item', async () => {
    async function* quick() {
      yield 1;
      yield 2;
    }
    const out: number[] = [];
    for await (const item of eachWithin(quick(), 5)) {
      await new Promise((resolve) => setTimeout(resolve, 30)); // the timer fires meanwhile, to no effect
      out.push(item);
    }
    expect(out).toEqual([1, 2]);
  });

  it('fails a step that takes longer than the deadline and tells the source to stop', async () => {
    const source = stuckSource();
    const iterator = eachWithin(source, 5);
    const first = iterator.next();
    source.steps[0]!.resolve({ done: false, value: 1 });
    expect(await first).toEqual({ done: false, value: 1 });
    await expect(iterator.next()).rejects.toBeInstanceOf(DeadlinePassed);
    expect(source.returned).toBe(1);
    source.steps[1]!.reject(new Error('the stuck step fails later'));
    await tick();
    await tick();
  });

  it('stops the source when the consumer stops early', async () => {
    const source = stuckSource();
    const iterator = eachWithin(source, 1000);
    const first = iterator.next();
    source.steps[0]!.resolve({ done: false, value: 1 });
    await first;
    await iterator.return(undefined);
    expect(source.returned).toBe(1);
  });
});

describe(`${KurrentEventStore.name} deadline`, () => {
  it(`defaults to ${DEFAULT_DEADLINE_MS} ms and passes it to the client's append`, async () => {
    const { client, append, asClient } = silentClient();
    const store = new KurrentEventStore(asClient);
    const appending = store.appendToStream('s', [{ type: 'A', data: {} }]);
    append.resolve({ success: true, nextExpectedRevision: 0n } as never);
    await appending;
    expect(client.appendCalls[0]).toEqual([
      's',
      expect.any(Array),
      { streamState: 'any', deadline: DEFAULT_DEADLINE_MS },
    ]);
  });

  it('fails an append the client never answers with a transient EventStoreTimeoutError, and survives its late failure', async () => {
    const { client, append, asClient } = silentClient();
    const store = new KurrentEventStore(asClient, { deadlineMs: 20 });
    const error = await store.appendToStream('account-1', [{ type: 'A', data: {} }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreTimeoutError);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error).toMatchObject({
      code: 'MNEME_EVENT_STORE_TIMEOUT',
      transient: true,
      operation: 'append',
      streamName: 'account-1',
      deadlineMs: 20,
    });
    expect((error as Error).message).toContain('20 ms');
    expect(client.appendCalls[0]).toEqual([
      expect.anything(),
      expect.anything(),
      expect.objectContaining({ deadline: 20 }),
    ]);
    append.reject(new Error('the connection dropped later'));
    await tick();
    await tick();
  });

  it('fails a read the client never answers and stops the client read', async () => {
    const { client, reads, asClient } = silentClient();
    const store = new KurrentEventStore(asClient, { deadlineMs: 20 });
    const error = await collect(store.readStream('account-1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreTimeoutError);
    expect(error).toMatchObject({ transient: true, operation: 'read', streamName: 'account-1', deadlineMs: 20 });
    expect(reads.returned).toBe(1);
    expect(client.readCalls[0]).toEqual(['account-1', expect.objectContaining({ deadline: 20 })]); // ignored by today's bridge
    reads.steps[0]!.reject(new Error('the bridge gave up later'));
    await tick();
    await tick();
  });

  it('bounds the read behind an empty append, reported as the append', async () => {
    const { reads, asClient } = silentClient();
    const store = new KurrentEventStore(asClient, { deadlineMs: 20 });
    const error = await store.appendToStream('account-1', [], { expectedRevision: 3n }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreTimeoutError);
    expect(error).toMatchObject({ operation: 'append', streamName: 'account-1' });
    expect(reads.returned).toBe(1);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '100', null, 10n, Object.create(null)])(
    'rejects deadlineMs %p',
    (deadlineMs) => {
      const { asClient } = silentClient();
      const create = () => new KurrentEventStore(asClient, { deadlineMs: deadlineMs as number });
      expect(create).toThrow(InvalidConfigurationError);
      expect(create).toThrow(/deadlineMs/);
    },
  );

  it('accepts the longest deadline setTimeout can wait', () => {
    const { asClient } = silentClient();
    expect(() => new KurrentEventStore(asClient, { deadlineMs: 2 ** 31 - 1 })).not.toThrow();
  });

  it.each([
    ['a misspelt option', { deadline: 500 }],
    ['options that are not an object', 'fast'],
  ])('rejects %s', (_label, options) => {
    const { asClient } = silentClient();
    expect(() => new KurrentEventStore(asClient, options as never)).toThrow(InvalidConfigurationError);
  });

  it('takes deadlineMs through createKurrentEventStore', async () => {
    const { asClient } = silentClient();
    const store = createKurrentEventStore({ client: asClient, deadlineMs: 20 });
    await expect(store.appendToStream('s', [{ type: 'A', data: {} }])).rejects.toMatchObject({ deadlineMs: 20 });
    expect(() => createKurrentEventStore({ client: asClient, deadlineMs: 0 })).toThrow(InvalidConfigurationError);
  });
});
