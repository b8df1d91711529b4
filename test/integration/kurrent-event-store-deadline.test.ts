import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { EventStoreTimeoutError, EventStoreUnavailableError, NO_STREAM, type RecordedEvent } from 'mneme';
import { createKurrentEventStore, KurrentEventStore } from 'mneme/kurrent';
import { startBlackHole, type BlackHole } from '../support/black-hole.js';

// A server that accepts the TCP connection and never answers. Needs no KurrentDB, so it runs in
// both modes. Today's client hangs forever on an append there (its server-features probe has no
// deadline) and its native read bridge gives up only after several seconds.

const DEADLINE_MS = 300;
/** Far above the deadline, far below the client's own give-up times: only Mneme's deadline answers in time. */
const PATIENCE_MS = 3000;

const STILL_WAITING = Symbol('still waiting');

/** The call's outcome, or STILL_WAITING if it has not settled after PATIENCE_MS. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const patience = new Promise<typeof STILL_WAITING>((resolve) => {
    timer = setTimeout(() => resolve(STILL_WAITING), PATIENCE_MS);
  });
  try {
    return await Promise.race([
      call().then(
        () => 'resolved',
        (error: unknown) => error,
      ),
      patience,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

describe(`${KurrentEventStore.name} against a server that never answers`, () => {
  let blackHole: BlackHole;
  let store: KurrentEventStore;

  beforeAll(async () => {
    blackHole = await startBlackHole();
    store = new KurrentEventStore(blackHole.connectionString, { deadlineMs: DEADLINE_MS });
  });

  afterAll(async () => {
    await store.close();
    // Dropping the hung connections makes the client's abandoned calls fail now; Mneme has
    // handled them, so nothing surfaces as an unhandled rejection.
    await blackHole.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('fails an append with a transient EventStoreTimeoutError within the deadline', async () => {
    const error = await outcome(() =>
      store.appendToStream('account-1', [{ type: 'Opened', data: {} }], { expectedRevision: NO_STREAM }),
    );
    expect(error).toBeInstanceOf(EventStoreTimeoutError);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error).toMatchObject({
      transient: true,
      operation: 'append',
      streamName: 'account-1',
      deadlineMs: DEADLINE_MS,
    });
    expect(blackHole.connections).toBeGreaterThan(0); // the client did connect: the server just never spoke
  });

  it('fails a read with a transient EventStoreTimeoutError within the deadline, and stops the client read', async () => {
    let returned = 0;
    const readStream = store.client.readStream.bind(store.client);
    jest.spyOn(store.client, 'readStream').mockImplementation((...args: Parameters<typeof readStream>) => {
      const reading = readStream(...args);
      const stop = reading.return!.bind(reading) as (value?: unknown) => Promise<IteratorResult<unknown>>;
      Object.assign(reading, {
        return: (value?: unknown) => {
          returned++;
          return stop(value);
        },
      });
      return reading;
    });
    const error = await outcome(() => collect(store.readStream('account-1')));
    expect(error).toBeInstanceOf(EventStoreTimeoutError);
    expect(error).toMatchObject({
      transient: true,
      operation: 'read',
      streamName: 'account-1',
      deadlineMs: DEADLINE_MS,
    });
    expect(returned).toBe(1);
  });

  it('fails an empty append (which only reads the stream end) within the deadline', async () => {
    const error = await outcome(() => store.appendToStream('account-1', [], { expectedRevision: 2n }));
    expect(error).toBeInstanceOf(EventStoreTimeoutError);
    expect(error).toMatchObject({ transient: true, operation: 'append', streamName: 'account-1' });
  });

  it('fails again, within the deadline, when the caller retries', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await outcome(() => store.appendToStream('account-1', [{ type: 'Opened', data: {} }]))).toBeInstanceOf(
        EventStoreTimeoutError,
      );
    }
  });

  it('takes the deadline from createKurrentEventStore', async () => {
    const configured = createKurrentEventStore({
      connectionString: blackHole.connectionString,
      deadlineMs: DEADLINE_MS,
    });
    try {
      const error = await outcome(() => configured.appendToStream('account-2', [{ type: 'Opened', data: {} }]));
      expect(error).toMatchObject({ code: 'MNEME_EVENT_STORE_TIMEOUT', deadlineMs: DEADLINE_MS });
    } finally {
      await configured.close();
    }
  });
});
