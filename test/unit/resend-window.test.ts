import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  CommandBus,
  CommandOutsideWindowError,
  InMemoryEventStore,
  SnapshotStore,
  mnemeModule,
  snapshotStreamName,
  type EventStore,
} from 'mneme';
import { BankAccount, Deposit, Deposited, OpenAccount } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';

/** A fresh app instance (its own container, an empty aggregate cache) on the shared store. */
async function instance(store: EventStore): Promise<CommandBus> {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store }));
  return container.get(CommandBus);
}

async function streamLength(store: EventStore): Promise<number> {
  return (await collect(store.readStream('BankAccount-acc-1'))).length;
}

// The README's "Exactly once": with a snapshot policy (BankAccount snapshots every 50 events), a
// re-sent command is looked for among the events after the latest snapshot and the 512 before it.
describe('a command re-sent to another app instance after snapshots were taken', () => {
  it('is recognised when its events are among the 256 before the latest snapshot: nothing is written', async () => {
    const store = new InMemoryEventStore();
    const first = await instance(store);
    await first.execute(new OpenAccount('acc-1', 'Ada'));
    const original = await first.execute(new Deposit('acc-1', 7), { commandId: 'deposit-7' });
    const other = await instance(store);
    for (let i = 0; i < 60; i++) await other.execute(new Deposit('acc-1', 1));
    const snapshot = await new SnapshotStore(store).readLatest(snapshotStreamName('BankAccount', 'acc-1'));
    expect(snapshot?.revision).toBeGreaterThan(original.nextExpectedRevision); // the snapshot covers it

    const lengthBefore = await streamLength(store);
    const again = await (await instance(store)).execute(new Deposit('acc-1', 7), { commandId: 'deposit-7' });
    expect(again.events).toEqual([new Deposited('acc-1', 7)]);
    expect(again.nextExpectedRevision).toBe(original.nextExpectedRevision);
    expect(await streamLength(store)).toBe(lengthBefore);
  });

  it('is reported, not stored twice, once its events are older than the window (256 events from the end)', async () => {
    const store = new InMemoryEventStore();
    const first = await instance(store);
    await first.execute(new OpenAccount('acc-1', 'Ada'));
    await first.execute(new Deposit('acc-1', 7), { commandId: 'deposit-7' });
    const other = await instance(store);
    for (let i = 0; i < 320; i++) await other.execute(new Deposit('acc-1', 1));

    const lengthBefore = await streamLength(store);
    const again = (await instance(store)).execute(new Deposit('acc-1', 7), { commandId: 'deposit-7' });
    await expect(again).rejects.toBeInstanceOf(CommandOutsideWindowError);
    await expect(again).rejects.toMatchObject({
      code: 'MNEME_COMMAND_OUTSIDE_WINDOW',
      commandId: 'deposit-7',
      revision: 1n,
      window: 256,
    });
    expect(await streamLength(store)).toBe(lengthBefore);
  });
});
