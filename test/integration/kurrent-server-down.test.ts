import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  CommandBus,
  EventStoreUnavailableError,
  TransientRetriesExceededError,
  mnemeModule,
  type RetryNotice,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentEmulator } from 'mneme/testing';
import { BankAccount, OpenAccount } from '../../examples/bank-account/domain.js';

// Needs no target: it starts an emulator and closes it, leaving a port that refuses connections.
describe('a KurrentDB server that stays down', () => {
  it('makes a command give up with TransientRetriesExceededError after the configured attempts, with the cause', async () => {
    const emulator = await startKurrentEmulator();
    const store = new KurrentEventStore(emulator.connectionString);
    await emulator.close(); // the port now refuses connections
    try {
      const notices: RetryNotice[] = [];
      const container = new Container();
      container.load(
        mnemeModule({
          aggregates: [BankAccount],
          eventStore: store,
          retry: { transient: { maxRetries: 2, initialDelayMs: 10, maxDelayMs: 20 }, onRetry: (n) => notices.push(n) },
        }),
      );
      const error = await container
        .get(CommandBus)
        .execute(new OpenAccount('acc-1', 'Ada'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientRetriesExceededError);
      // BankAccount has a snapshot policy: each attempt's first read is of its snapshot stream.
      expect(error).toMatchObject({ attempts: 3, operation: 'read', streamName: 'BankAccount_snapshot-acc-1' });
      expect((error as TransientRetriesExceededError).cause).toBeInstanceOf(EventStoreUnavailableError);
      expect(notices.map((n) => [n.reason, n.delayMs <= [10, 20][n.retry - 1]!])).toEqual([
        ['transient', true],
        ['transient', true],
      ]);
    } finally {
      await store.close();
    }
  });
});
