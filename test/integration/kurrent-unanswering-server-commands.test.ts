import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  CommandBus,
  EventStoreTimeoutError,
  TransientRetriesExceededError,
  execute,
  mnemeModule,
  type RetryNotice,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { BankAccount, OpenAccount } from '../../examples/bank-account/domain.js';
import { startBlackHole, type BlackHole } from '../support/black-hole.js';

// README promises "No call waits forever": a command whose server accepts the connection and never
// answers must end, with the error a caller can act on, after the attempts it was given. Needs no
// KurrentDB (a loopback socket that never speaks), so it runs in both modes.

const DEADLINE_MS = 200;
const transient = { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 2 };
/** Three attempts of at most one deadline each, plus tiny delays, with a wide margin for a loaded machine. */
const PATIENCE_MS = 10_000;

async function settle(call: () => Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const patience = new Promise((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), PATIENCE_MS);
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

describe('a command on a server that never answers', () => {
  let blackHole: BlackHole;
  let store: KurrentEventStore;

  beforeAll(async () => {
    blackHole = await startBlackHole();
    store = new KurrentEventStore(blackHole.connectionString, { deadlineMs: DEADLINE_MS });
  });

  afterAll(async () => {
    await store.close();
    await blackHole.close();
  });

  it('gives up through the bus with TransientRetriesExceededError caused by EventStoreTimeoutError, after the configured attempts', async () => {
    const notices: RetryNotice[] = [];
    const container = new Container();
    container.load(
      mnemeModule({
        aggregates: [BankAccount],
        eventStore: store,
        retry: { transient, onRetry: (notice) => notices.push(notice) },
      }),
    );
    const error = await settle(() =>
      container.get(CommandBus).execute(new OpenAccount('acc-1', 'Ada'), { commandId: 'open-1' }),
    );
    expect(TransientRetriesExceededError.is(error)).toBe(true);
    expect(error).toMatchObject({ attempts: 3 });
    expect(EventStoreTimeoutError.is((error as TransientRetriesExceededError).cause)).toBe(true);
    expect(notices.map((notice) => notice.reason)).toEqual(['transient', 'transient']);
  });

  it('gives up through execute() the same way', async () => {
    const command = {
      state: { opened: false },
      eventStreamId: () => 'Account-acc-2',
      getState() {
        return this.state;
      },
      setState(state: { opened: boolean }) {
        this.state = state;
      },
      handle: () => [],
    };
    const error = await settle(() => execute(command as never, store, { transient }));
    expect(TransientRetriesExceededError.is(error)).toBe(true);
    expect(error).toMatchObject({ attempts: 3 });
  });
});
