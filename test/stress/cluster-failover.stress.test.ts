/**
 * Mneme on a three-node emulator cluster while the leader fails twice: four application instances
 * (each its own container and its own KurrentEventStore) send commands concurrently; a catch-up
 * projection follows the log through both failovers.
 */
import 'reflect-metadata';
import { afterEach, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  CommandBus,
  On,
  Projection,
  ProjectionRunner,
  comparePositions,
  mnemeModule,
  type PositionedEvent,
  type RetryNotice,
} from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { startKurrentEmulator, type KurrentEmulatorCluster } from 'mneme/testing';
import { AccountOpened, BankAccount, Deposit, Deposited, OpenAccount } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';
import { describeEmulatorOnly } from '../support/kurrent-target.js';

/**
 * The transient-retry budget every command must fit in: 16 retries, 50 ms doubling to 500 ms (full
 * jitter), about 6.5 s at most; runs use 6 to 9 of them. A failover costs the election (ELECTION_MS),
 * and the client's reads stay on the failed node until it answers again (see the emulator's docs), so
 * the old leader rejoins REJOIN_MS after the election.
 */
const TRANSIENT = { maxRetries: 16, initialDelayMs: 50, maxDelayMs: 500 };
const ELECTION_MS = 300;
const REJOIN_MS = 300;
const INSTANCES = 4;
const WRITERS_PER_INSTANCE = 3;
const COMMANDS_PER_WRITER = 20;
const ACCOUNTS = 6;
/** The leader fails once this many commands have been answered, then again at the second mark. */
const FAILOVER_AT = [40, 140];

/** Every account event, with where the log put it: what a read model sees. */
@Projection({ name: 'cluster-ledger', from: { categories: ['BankAccount'] } })
class Ledger {
  readonly handled: PositionedEvent[] = [];
  @On(AccountOpened) opened(_event: AccountOpened, recorded: PositionedEvent) {
    this.handled.push(recorded);
  }
  @On(Deposited) deposited(_event: Deposited, recorded: PositionedEvent) {
    this.handled.push(recorded);
  }
}

interface AppInstance {
  readonly store: KurrentEventStore;
  readonly bus: CommandBus;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEmulatorOnly('Mneme on an emulator cluster, the leader failing twice', () => {
  let cluster: KurrentEmulatorCluster | undefined;
  const stores: KurrentEventStore[] = [];
  let runner: ProjectionRunner | undefined;
  afterEach(async () => {
    await runner?.stop();
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await cluster?.close();
  });

  it('four instances lose no command, store none twice, and a catch-up projection sees every event once, in order', async () => {
    cluster = await startKurrentEmulator({ nodes: 3, electionDelayMs: ELECTION_MS, rejoinDelayMs: 600_000 });
    const notices: RetryNotice[] = [];
    const instances: AppInstance[] = Array.from({ length: INSTANCES }, (_, i) => {
      // Half the instances name every node, half discover the cluster through one node's gossip.
      const store = new KurrentEventStore(i % 2 === 0 ? cluster!.connectionString : cluster!.discoverConnectionString);
      stores.push(store);
      const container = new Container();
      container.load(
        mnemeModule({
          aggregates: [BankAccount],
          eventStore: store,
          retry: { transient: TRANSIENT, onRetry: (notice) => notices.push(notice) },
        }),
      );
      return { store, bus: container.get(CommandBus) };
    });
    const run = Date.now().toString(36);
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `cluster-${run}-${i}`);
    for (const account of accounts) await instances[0]!.bus.execute(new OpenAccount(account, 'Ada'));

    const readModelStore = new KurrentEventStore(cluster.connectionString);
    stores.push(readModelStore);
    const ledger = new Ledger();
    runner = new ProjectionRunner(readModelStore, [ledger], {
      resubscribe: { initialDelayMs: 50, maxDelayMs: 500 },
      checkpointEvery: { events: 25 },
    });
    let resubscriptions = 0;
    runner.on('resubscribing', () => void resubscriptions++);
    await runner.start();

    // The failovers, each when enough commands were answered: fail, election, old leader rejoins.
    let answered = 0;
    const failovers: Array<{ failed: number; elected: number }> = [];
    const failoverDone: Promise<void>[] = [];
    const maybeFailOver = () => {
      const next = FAILOVER_AT[failovers.length];
      if (next === undefined || answered < next) return;
      const failed = cluster!.failLeader();
      const record = { failed: failed.index, elected: -1 };
      failovers.push(record);
      failoverDone.push(
        (async () => {
          record.elected = (await cluster!.whenLeaderElected()).index;
          await sleep(REJOIN_MS);
          await cluster!.rejoin();
        })(),
      );
    };

    const sent: Array<{ commandId: string; account: string; amount: number }> = [];
    const failures: string[] = [];
    let retried = 0;
    let maxLatencyMs = 0;
    const writer = async (instance: AppInstance, name: string, index: number) => {
      for (let i = 0; i < COMMANDS_PER_WRITER; i++) {
        const command = { commandId: `${run}-${name}-${i}`, account: accounts[(i + index) % ACCOUNTS]!, amount: i + 1 };
        sent.push(command);
        const started = Date.now();
        try {
          const result = await instance.bus.execute(new Deposit(command.account, command.amount), {
            commandId: command.commandId,
          });
          if (result.attempts > 1) retried++;
        } catch (error) {
          failures.push(`${command.commandId}: ${(error as Error).message}`);
        }
        maxLatencyMs = Math.max(maxLatencyMs, Date.now() - started);
        answered++;
        maybeFailOver();
      }
    };
    await Promise.all(
      instances.flatMap((instance, i) =>
        Array.from({ length: WRITERS_PER_INSTANCE }, (_, w) =>
          writer(instance, `i${i}w${w}`, i * WRITERS_PER_INSTANCE + w),
        ),
      ),
    );
    await Promise.all(failoverDone);

    // Every command answered within the budget, and both failovers happened, to another node each time.
    expect(failures).toEqual([]);
    expect(failovers).toHaveLength(2);
    for (const { failed, elected } of failovers) expect(elected).not.toBe(failed);
    const transient = notices.filter((notice) => notice.reason === 'transient');
    expect(transient.length).toBeGreaterThan(0);
    expect(Math.max(...transient.map((notice) => notice.retry))).toBeLessThanOrEqual(TRANSIENT.maxRetries);

    // No command lost, none stored twice: each account's events carry exactly its commands' ids.
    const stored: PositionedEvent[] = [];
    for (const account of accounts) {
      const events = await collect(instances[1]!.store.readStream(`BankAccount-${account}`));
      const commandIds = events.slice(1).map((event) => event.metadata.commandId);
      const expected = sent.filter((command) => command.account === account).map((command) => command.commandId);
      expect([...commandIds].sort()).toEqual([...expected].sort());
      stored.push(...(events as PositionedEvent[]));
    }
    expect(new Set(stored.map((event) => event.id)).size).toBe(stored.length);

    // The projection resumed after the failovers and reached the end of the log: every event once, in log order.
    await runner.catchUp();
    const ours = ledger.handled.filter((event) =>
      accounts.some((account) => event.streamName === `BankAccount-${account}`),
    );
    expect(ours.map((event) => event.id).sort()).toEqual(stored.map((event) => event.id).sort());
    expect(new Set(ledger.handled.map((event) => event.id)).size).toBe(ledger.handled.length);
    for (let i = 1; i < ledger.handled.length; i++) {
      expect(comparePositions(ledger.handled[i - 1]!.position, ledger.handled[i]!.position)).toBeLessThan(0);
    }
    expect(resubscriptions).toBeGreaterThanOrEqual(1);

    console.info(
      `[stress] cluster failover: ${JSON.stringify({
        instances: INSTANCES,
        commandsSent: sent.length,
        commandsOk: sent.length - failures.length,
        commandsRetried: retried,
        transientRetries: transient.length,
        maxTransientRetriesOfOneCommand: Math.max(...transient.map((notice) => notice.retry)),
        failovers: failovers.length,
        maxLatencyMs,
        projectionEvents: ledger.handled.length,
        projectionResubscriptions: resubscriptions,
      })}`,
    );
  }, 120_000);
});
