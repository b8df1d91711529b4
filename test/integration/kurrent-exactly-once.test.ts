import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  CommandBus,
  EventStoreUnavailableError,
  TransientRetriesExceededError,
  execute,
  mnemeModule,
  type RetryNotice,
  type RetryOptions,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import type { FaultSpec } from 'mneme/testing';
import { BankAccount, Deposit, OpenAccount } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';
import { ledger } from '../support/ledger.js';
import { appendPaths, describeEmulatorOnly, useKurrentTarget } from '../support/kurrent-target.js';

const notices: RetryNotice[] = [];
const retry: RetryOptions = {
  initialDelayMs: 1,
  transient: { maxRetries: 4, initialDelayMs: 5, maxDelayMs: 20 },
  onRetry: (notice) => notices.push(notice),
};

describeEmulatorOnly('exactly-once commands on KurrentDB with transient faults', () => {
  describe.each(appendPaths())('appends through %s', (label, options) => {
    const appendMethod = label === 'BatchAppend' ? 'BatchAppend' : 'Append';
    let store: KurrentEventStore;
    let bus: CommandBus;
    afterAll(() => store.close()); // before the target closes

    const kurrent = useKurrentTarget(options);
    beforeAll(async () => {
      store = new KurrentEventStore(kurrent.target.connectionString);
      const container = new Container();
      container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store, retry }));
      bus = container.get(CommandBus);
    });
    beforeEach(() => {
      notices.length = 0;
      kurrent.emulator.clearFaults();
    });

    const openAccount = async () => {
      const id = `acc-${randomUUID()}`;
      await bus.execute(new OpenAccount(id, 'Ada'));
      return { id, stream: `BankAccount-${id}` };
    };
    const inject = (spec: Omit<FaultSpec, 'methods'> & { methods?: FaultSpec['methods'] }) =>
      kurrent.emulator.injectFaults({ methods: [appendMethod], ...spec });

    it.each(['unavailable', 'deadline-exceeded', 'not-leader'] as const)(
      'retries %s on the append twice, then succeeds',
      async (kind) => {
        const { id, stream } = await openAccount();
        inject({ kind, count: 2 });
        const result = await bus.execute(new Deposit(id, 10));
        expect(result).toMatchObject({ attempts: 3, nextExpectedRevision: 1n });
        expect(notices.map((n) => n.reason)).toEqual(['transient', 'transient']);
        expect(kurrent.emulator.pendingFaults).toBe(0);
        expect((await collect(store.readStream(stream))).map((e) => e.type)).toEqual([
          'BankAccount.Opened',
          'BankAccount.Deposited',
        ]);
      },
    );

    it('retries a failed read of the stream, then succeeds', async () => {
      const { id } = await openAccount();
      inject({ kind: 'unavailable', count: 2, methods: ['Read'] });
      // A cached command reads twice at once (its catch-up and the stream's first event, checked):
      // both faults may hit one attempt.
      const result = await bus.execute(new Deposit(id, 10));
      expect(result).toMatchObject({ nextExpectedRevision: 1n });
      expect(result.attempts).toBeGreaterThan(1);
      expect(kurrent.emulator.pendingFaults).toBe(0);
    });

    it('resolves a command whose append was applied but whose reply was lost, with its events stored once', async () => {
      const { id, stream } = await openAccount();
      inject({ kind: 'drop-after-write' });
      const result = await bus.execute(new Deposit(id, 25), { commandId: `dep-${id}` });
      expect(result).toMatchObject({ attempts: 2, nextExpectedRevision: 1n, events: [{ amount: 25 }] });
      const stored = await collect(store.readStream(stream));
      expect(stored.filter((e) => e.metadata.commandId === `dep-${id}`)).toHaveLength(1);
      expect(stored).toHaveLength(2);
    });

    it('writes nothing for a command re-sent with the same command id after a lost reply', async () => {
      const { id, stream } = await openAccount();
      inject({ kind: 'drop-after-write' });
      // The caller gave up on the first send (no transient retries) and sends the command again.
      const container = new Container();
      container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store, retry: { transient: false } }));
      const impatient = container.get(CommandBus);
      await expect(impatient.execute(new Deposit(id, 25), { commandId: `dep-${id}` })).rejects.toBeInstanceOf(
        EventStoreUnavailableError,
      );
      kurrent.emulator.clearRpcLog();
      const again = await impatient.execute(new Deposit(id, 25), { commandId: `dep-${id}` });
      expect(again).toMatchObject({ attempts: 1, nextExpectedRevision: 1n, events: [{ amount: 25 }] });
      expect(kurrent.emulator.rpcLog.filter((path) => /Append/.test(path))).toEqual([]);
      expect(await collect(store.readStream(stream))).toHaveLength(2);
    });

    it('gives up with the cause when the server stays down, after the configured attempts and delays', async () => {
      const { id } = await openAccount();
      inject({ kind: 'unavailable', count: 100 });
      const error = await bus.execute(new Deposit(id, 10)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientRetriesExceededError);
      expect(EventStoreUnavailableError.is(error)).toBe(true);
      expect(error).toMatchObject({ attempts: 5, operation: 'append' });
      expect((error as TransientRetriesExceededError).cause).toBeInstanceOf(EventStoreUnavailableError);
      expect(kurrent.emulator.pendingFaults).toBe(95);
      // The configured time: at most 5 + 10 + 20 + 20 ms of delays between the attempts.
      expect(notices.map((n) => n.delayMs <= [5, 10, 20, 20][n.retry - 1]!)).toEqual([true, true, true, true]);
    });

    it('execute() resolves after a lost reply, and a re-send writes nothing', async () => {
      const stream = `Ledger-${randomUUID()}`;
      inject({ kind: 'drop-after-write' });
      const first = await execute(ledger(stream, 5), store, { commandId: 'credit-1', ...retry });
      expect(first).toMatchObject({ attempts: 2, nextExpectedRevision: 0n });
      const again = await execute(ledger(stream, 5), store, { commandId: 'credit-1' });
      expect(again).toMatchObject({ attempts: 1, nextExpectedRevision: 0n, events: [{ amount: 5 }] });
      expect(await collect(store.readStream(stream))).toHaveLength(1);
    });
  });
});
