import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  EventType,
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InvalidConfigurationError,
  InvalidProcessManagerError,
  mnemeModule,
  On,
  ProcessManager,
  ProcessManagerRoot,
  ProjectionFailedError,
  ProjectionRunner,
  type EventStore,
} from 'mneme';
import { ManualClock } from 'mneme/testing';
import { CrashingStore } from './crashing-store.js';
import {
  aggregates,
  effectKeys,
  eventsOf,
  OpenWallet,
  RequestTransfer,
  startApp,
  unique,
  Wallet,
} from './transfer-fixtures.js';

@EventType('PmTest.Ticked')
class Ticked {
  constructor(
    readonly group: string,
    readonly n: number,
  ) {}
}

let failuresLeft = 0;

@ProcessManager({ name: 'PmSequence', from: { categories: ['PmTick'] } })
class Sequence extends ProcessManagerRoot {
  seen: number[] = [];
  @On(Ticked, { processId: (event: Ticked) => event.group })
  ticked(event: Ticked) {
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      throw new Error('the read model is down');
    }
    this.seen.push(event.n);
  }
}

async function runSequence(store: EventStore, options: { maxAttempts?: number } = {}) {
  const container = new Container();
  container.load(
    mnemeModule({
      eventStore: store,
      processManagers: [Sequence],
      checkpointStore: new InMemoryCheckpointStore(),
      projectionRunner: { handlerRetry: { maxAttempts: options.maxAttempts ?? 3, initialDelayMs: 1, maxDelayMs: 2 } },
    }),
  );
  return container.get(ProjectionRunner);
}

async function lastState(store: EventStore, streamName: string): Promise<Record<string, unknown> | undefined> {
  const records = (await eventsOf(store, streamName)).filter((event) => event.type === 'mneme.ProcessHandled');
  return (records.at(-1)?.data as { state: Record<string, unknown> } | undefined)?.state;
}

describe('process manager instances', () => {
  it('see the events of one instance in order, and instances apart from each other', async () => {
    const store = new InMemoryEventStore();
    for (let n = 1; n <= 20; n++)
      await store.appendToStream(`PmTick-${n % 3}`, [
        { type: 'PmTest.Ticked', data: { group: n % 2 ? 'odd' : 'even', n } },
      ]);
    const runner = await runSequence(store);
    await runner.start();
    await runner.catchUp();
    await runner.stop();
    expect((await lastState(store, 'PmSequence-odd'))?.['seen']).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    expect((await lastState(store, 'PmSequence-even'))?.['seen']).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  });

  it('retry a throwing handler with backoff and record the event once when it succeeds', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('PmTick-1', [{ type: 'PmTest.Ticked', data: { group: 'g', n: 1 } }]);
    failuresLeft = 2;
    const runner = await runSequence(store, { maxAttempts: 3 });
    await runner.start();
    await runner.catchUp();
    await runner.stop();
    expect((await lastState(store, 'PmSequence-g'))?.['seen']).toEqual([1]);
    expect(await eventsOf(store, 'PmSequence-g')).toHaveLength(1);
  });

  it('stop on an event the handler keeps failing on, with a ProjectionFailedError, never skipping it', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('PmTick-1', [{ type: 'PmTest.Ticked', data: { group: 'g', n: 1 } }]);
    await store.appendToStream('PmTick-1', [{ type: 'PmTest.Ticked', data: { group: 'g', n: 2 } }]);
    failuresLeft = 1_000;
    const runner = await runSequence(store, { maxAttempts: 2 });
    await runner.start();
    const failure = await runner.catchUp().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ProjectionFailedError);
    expect(failure).toMatchObject({ projection: 'PmSequence', attempts: 2 });
    expect(runner.status()[0]?.state).toBe('failed');
    await runner.stop();
    expect(await eventsOf(store, 'PmSequence-g')).toHaveLength(0);
    failuresLeft = 0; // fixed: a new start handles the event it stopped on, then the next
    const again = await runSequence(store);
    await again.start();
    await again.catchUp();
    await again.stop();
    expect((await lastState(store, 'PmSequence-g'))?.['seen']).toEqual([1, 2]);
  });
});

describe('the idempotency key of a handler effect', () => {
  it('is the same when the handling is repeated after a crash, and differs for another input', async () => {
    const inner = new InMemoryEventStore();
    const container = new Container();
    container.load(mnemeModule({ aggregates, eventStore: inner }));
    const { CommandBus } = await import('mneme');
    const bus = container.get(CommandBus);
    const [from, to, transferId] = [unique('a'), unique('b'), unique('t')];
    await bus.execute(new OpenWallet(from, 100));
    await bus.execute(new OpenWallet(to, 0));
    await bus.execute(new RequestTransfer(transferId, from, to, 30));
    effectKeys.length = 0;
    const clock = new ManualClock(0);
    const recording = 'mneme.ProcessHandled of PmTest.TransferRequested sending Debit to PmTransfers-* #1';
    const crashing = new CrashingStore(inner, recording, 'before'); // dies recording the handling: the handler ran
    const doomed = await startApp(crashing, { clock });
    await doomed.runner.catchUp().catch(() => undefined);
    await doomed.close().catch(() => undefined);
    expect(crashing.killedAt).toBe(`before ${recording}`);
    const restarted = await startApp(inner, { clock });
    await restarted.runner.catchUp();
    await restarted.close();
    expect(effectKeys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(effectKeys).size).toBe(1);
    expect(effectKeys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    await bus.execute(new RequestTransfer(unique('t'), from, to, 1));
    const other = await startApp(inner, { clock });
    await other.runner.catchUp();
    await other.close();
    expect(new Set(effectKeys).size).toBe(2);
    await container.unbindAllAsync();
  });
});

describe('process manager declarations', () => {
  const load = async (processManagers: Function[], extra: object = {}) => {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Wallet], processManagers: processManagers as never, ...extra }));
    return container;
  };

  it('fail container.load when the class is not a process manager', async () => {
    class Plain extends ProcessManagerRoot {}
    await expect(load([Plain])).rejects.toThrow(InvalidProcessManagerError);
    @ProcessManager({ name: 'PmNotRoot', from: 'all' })
    class NotRoot {
      @On(Ticked, { processId: () => 'x' }) ticked() {}
    }
    await expect(load([NotRoot])).rejects.toThrow(/must extend ProcessManagerRoot/);
    @ProcessManager({ name: 'PmNoId', from: 'all' })
    class NoProcessId extends ProcessManagerRoot {
      @On(Ticked) ticked() {}
    }
    await expect(load([NoProcessId])).rejects.toThrow(/no @On\(Event, \{ processId \}\)/);
  });

  it('reject names that cannot be a stream category, and bad clock or poll options', async () => {
    expect(() => ProcessManager({ name: 'a-b', from: 'all' })).toThrow(/without '-'/);
    expect(() => ProcessManager({ name: '$sys', from: 'all' })).toThrow(TypeError);
    expect(() => ProcessManager({ name: 'Same', from: { categories: ['Same'] } })).toThrow(/own name/);
    await expect(load([Sequence], { clock: { now: 5 } })).rejects.toThrow(InvalidConfigurationError);
    await expect(load([Sequence], { timerPollMs: 0 })).rejects.toThrow(InvalidConfigurationError);
  });

  it('stop the process manager with a clear error when a handler sends a command no aggregate handles or routes badly', async () => {
    class Unknown {}
    @ProcessManager({ name: 'PmBadSend', from: { categories: ['PmBad'] } })
    class BadSend extends ProcessManagerRoot {
      @On(Ticked, { processId: (event: Ticked) => (event.n === 1 ? 'x' : (7 as unknown as string)) })
      ticked() {
        this.send(new Unknown());
      }
    }
    const store = new InMemoryEventStore();
    await store.appendToStream('PmBad-1', [{ type: 'PmTest.Ticked', data: { group: 'g', n: 1 } }]);
    const container = await load([BadSend], {
      eventStore: store,
      projectionRunner: { handlerRetry: { maxAttempts: 1 } },
    });
    const runner = container.get(ProjectionRunner);
    await runner.start();
    const failure = (await runner.catchUp().catch((error: unknown) => error)) as ProjectionFailedError;
    expect(failure).toBeInstanceOf(ProjectionFailedError);
    expect(failure.cause).toBeInstanceOf(InvalidProcessManagerError);
    expect(String((failure.cause as Error).message)).toMatch(/sends Unknown, which no aggregate/);
    await runner.stop();
    expect(() => (new BadSend() as unknown as { send(c: object): void }).send(new Unknown())).toThrow(
      /for @On handlers/,
    );
  });
});

describe('process manager state', () => {
  it('refuses a Map or Set field, which could be neither stored nor shared safely', async () => {
    @ProcessManager({ name: 'PmMapState', from: { categories: ['PmMap'] } })
    class MapState extends ProcessManagerRoot {
      readonly byId = new Map<string, number>();
      @On(Ticked, { processId: (event: Ticked) => event.group }) ticked() {}
    }
    const store = new InMemoryEventStore();
    await store.appendToStream('PmMap-1', [{ type: 'PmTest.Ticked', data: { group: 'g', n: 1 } }]);
    const container = new Container();
    container.load(
      mnemeModule({
        eventStore: store,
        processManagers: [MapState],
        projectionRunner: { handlerRetry: { maxAttempts: 1 } },
      }),
    );
    const runner = container.get(ProjectionRunner);
    await runner.start();
    const failure = (await runner.catchUp().catch((error: unknown) => error)) as ProjectionFailedError;
    expect((failure.cause as Error).message).toMatch(/field 'byId' holds a Map/);
    await runner.stop();
  });

  it('keeps each instance its own copy of the field defaults, and shares services', async () => {
    class Service {
      calls = 0;
    }
    @ProcessManager({ name: 'PmCopies', from: { categories: ['PmCopy'] } })
    class Copies extends ProcessManagerRoot {
      items: number[] = [];
      readonly service = new Service();
      @On(Ticked, { processId: (event: Ticked) => event.group })
      ticked(event: Ticked) {
        this.items.push(event.n);
        this.service.calls += 1;
      }
    }
    const store = new InMemoryEventStore();
    for (const [group, n] of [
      ['x', 1],
      ['y', 2],
      ['x', 3],
    ] as const)
      await store.appendToStream(`PmCopy-${n}`, [{ type: 'PmTest.Ticked', data: { group, n } }]);
    const container = new Container();
    container.load(mnemeModule({ eventStore: store, processManagers: [Copies] }));
    const runner = container.get(ProjectionRunner);
    await runner.start();
    await runner.catchUp();
    await runner.stop();
    expect((await lastState(store, 'PmCopies-x'))?.['items']).toEqual([1, 3]);
    expect((await lastState(store, 'PmCopies-y'))?.['items']).toEqual([2]);
    expect(await lastState(store, 'PmCopies-y')).not.toHaveProperty('service');
    expect(container.get(Copies).service.calls).toBe(3);
    expect(container.get(Copies).items).toEqual([]);
  });
});
