import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { AggregateRepository, InMemoryEventStore, type ReadStreamOptions, type RecordedEvent } from 'mneme';
import { BankAccount } from '../../examples/bank-account/domain.js';

/** A store whose reads go through its own `readStream` (a subclass, a test double, a wrapper). */
class CountingStore extends InMemoryEventStore {
  readonly reads: { streamName: string; options: ReadStreamOptions | undefined }[] = [];

  override async *readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    this.reads.push({ streamName, options });
    yield* super.readStream(streamName, options);
  }
}

async function firstOf(events: AsyncIterable<RecordedEvent>): Promise<RecordedEvent | undefined> {
  for await (const event of events) return event;
  return undefined;
}

describe('the snapshot lookup of a load', () => {
  it("goes through a store's own readStream, when the store overrides it", async () => {
    const store = new CountingStore();
    await store.appendToStream('BankAccount-a1', [
      { type: 'BankAccount.Opened', data: { accountId: 'a1', owner: 'Ada' } },
    ]);

    const account = await new AggregateRepository(store).load(BankAccount, 'a1');

    expect(account.owner).toBe('Ada');
    expect(store.reads).toContainEqual({
      streamName: 'BankAccount_snapshot-a1',
      options: { direction: 'backwards', maxCount: 1 },
    });
  });

  it('restores the latest of several snapshots, not an older one', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('BankAccount-a2', [
      { type: 'BankAccount.Opened', data: { accountId: 'a2', owner: 'Ada' } },
    ]);
    const opened = await firstOf(store.readStream('BankAccount-a2'));
    const snapshot = (balance: number) => ({
      type: 'Mneme.Snapshot',
      data: {
        aggregateType: 'BankAccount',
        version: 1,
        revision: '0',
        eventId: opened!.id,
        state: { opened: true, closed: false, owner: 'Ada', balance },
      },
    });
    await store.appendToStream('BankAccount_snapshot-a2', [snapshot(7), snapshot(9)]);

    const account = await new AggregateRepository(store).load(BankAccount, 'a2');

    expect(account.balance).toBe(9);
    expect(account.revision).toBe(0n);
  });
});
