import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { Container } from 'inversify';
import {
  CommandBus,
  InMemoryEventStore,
  InvalidConfigurationError,
  mnemeModule,
  ProjectionRunner,
  type MnemeModuleOptions,
} from 'mneme';
import { createKurrentEventStore, KurrentEventStore } from 'mneme/kurrent';
import { BankAccount, OpenAccount } from '../../examples/bank-account/domain.js';

/** A client that is never called: constructing a store must fail before it is used. */
const client = { appendToStream: () => Promise.reject(new Error('not called')) } as unknown as KurrentDBClient;

function refusal(run: () => unknown): InvalidConfigurationError {
  let error: unknown;
  try {
    run();
  } catch (caught) {
    error = caught;
  }
  if (!InvalidConfigurationError.is(error))
    throw new Error(`expected an InvalidConfigurationError, got ${String(error)}`);
  return error as InvalidConfigurationError;
}

const load = (options: unknown) => () => new Container().load(mnemeModule(options as MnemeModuleOptions));

/** One typo per options object: each is refused before anything runs, naming the option and what was meant. */
describe('option objects', () => {
  it.each<[label: string, run: () => unknown, option: string, meant: string]>([
    ['mnemeModule', load({ agregates: [BankAccount] }), 'mnemeModule.agregates', 'aggregates'],
    ['retry', load({ retry: { maxRetry: 3 } }), 'retry.maxRetry', 'maxRetries'],
    [
      'retry.transient',
      load({ retry: { transient: { initialDelay: 5 } } }),
      'retry.transient.initialDelay',
      'initialDelayMs',
    ],
    ['telemetry', load({ telemetry: { tracerProvder: {} } }), 'telemetry.tracerProvder', 'tracerProvider'],
    ['aggregateCache', load({ aggregateCache: { maxEntry: 5 } }), 'aggregateCache.maxEntry', 'maxEntries'],
    [
      'projectionRunner',
      load({ projectionRunner: { checkpointEvry: { events: 10 } } }),
      'projectionRunner.checkpointEvry',
      'checkpointEvery',
    ],
    [
      'projectionRunner.handlerRetry',
      load({ projectionRunner: { handlerRetry: { maxRetry: 3 } } }),
      'projectionRunner.handlerRetry.maxRetry',
      'maxRetries',
    ],
    [
      'projectionRunner.checkpointEvery',
      load({ projectionRunner: { checkpointEvery: { event: 10 } } }),
      'projectionRunner.checkpointEvery.event',
      'events',
    ],
    [
      'projectionRunner.resubscribe',
      load({ projectionRunner: { resubscribe: { maxDelay: 10 } } }),
      'projectionRunner.resubscribe.maxDelay',
      'maxDelayMs',
    ],
    [
      'ProjectionRunner',
      () => new ProjectionRunner(new InMemoryEventStore(), [], { checkpointEvry: {} } as never),
      'ProjectionRunner.checkpointEvry',
      'checkpointEvery',
    ],
    [
      'eventStore.kurrent',
      load({ eventStore: { kurrent: { client, readPageSze: 10 } } }),
      'eventStore.kurrent.readPageSze',
      'readPageSize',
    ],
    [
      'createKurrentEventStore',
      () => createKurrentEventStore({ conectionString: 'kurrentdb://localhost:2113' } as never),
      'eventStore.kurrent.conectionString',
      'connectionString',
    ],
    [
      'KurrentEventStore',
      () => new KurrentEventStore(client, { deadline: 500 } as never),
      'KurrentEventStore.deadline',
      'deadlineMs',
    ],
  ])('refuses a typo in %s with a did-you-mean', (_label, run, option, meant) => {
    const error = refusal(run);
    expect(error.option).toBe(option);
    expect(error.message).toContain(`did you mean '${meant}'?`);
  });

  it('refuses a typo in the options of a command, before anything is read or written', async () => {
    const store = new InMemoryEventStore();
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store }));
    const bus = container.get(CommandBus);
    await expect(bus.execute(new OpenAccount('acc-1', 'Ada'), { comandId: 'c-1' } as never)).rejects.toMatchObject({
      option: 'options.comandId',
      message: expect.stringContaining("did you mean 'commandId'?"),
    });
    const written: unknown[] = [];
    for await (const event of store.readAll()) written.push(event);
    expect(written).toEqual([]);
  });

  it.each<[label: string, run: () => unknown, option: string, says: RegExp]>([
    [
      'a zero handler attempt count',
      load({ projectionRunner: { handlerRetry: { maxAttempts: 0 } } }),
      'projectionRunner.handlerRetry.maxAttempts',
      /expected an integer >= 1, got 0/,
    ],
    [
      'a NaN checkpoint interval',
      load({ projectionRunner: { checkpointEvery: { ms: Number.NaN } } }),
      'projectionRunner.checkpointEvery.ms',
      /expected a number >= 1, got NaN/,
    ],
    [
      'a string delay',
      load({ projectionRunner: { resubscribe: { initialDelayMs: '100' } } }),
      'projectionRunner.resubscribe.initialDelayMs',
      /got "100"/,
    ],
    [
      'a max delay under the initial one',
      load({ projectionRunner: { handlerRetry: { initialDelayMs: 50, maxDelayMs: 10 } } }),
      'projectionRunner.handlerRetry.maxDelayMs',
      />= initialDelayMs/,
    ],
    [
      'handlerRetry given as a number',
      load({ projectionRunner: { handlerRetry: 3 } }),
      'projectionRunner.handlerRetry',
      /expected an options object, got 3/,
    ],
    [
      'a tracer provider without getTracer',
      load({ telemetry: { tracerProvider: {} } }),
      'telemetry.tracerProvider',
      /TracerProvider/,
    ],
    [
      'a cache bound of 0',
      load({ aggregateCache: { maxEntries: 0 } }),
      'aggregateCache.maxEntries',
      /expected an integer >= 1, got 0/,
    ],
    [
      'a deadline longer than setTimeout can wait',
      () => new KurrentEventStore(client, { deadlineMs: 2 ** 31 }),
      'KurrentEventStore.deadlineMs',
      /from 1 to 2147483647/,
    ],
    [
      'a null page size',
      () => new KurrentEventStore(client, { readPageSize: null as never }),
      'KurrentEventStore.readPageSize',
      /got null/,
    ],
    [
      'an environment that is a string',
      () => createKurrentEventStore({ env: 'prod' } as never),
      'eventStore.kurrent.env',
      /environment variables/,
    ],
    ['a symbol key', load({ [Symbol('aggregates')]: [] }), 'mnemeModule.Symbol(aggregates)', /is not an option/],
  ])('refuses %s, naming the option', (_label, run, option, says) => {
    const error = refusal(run);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(says);
  });

  it('still accepts every option spelt right', () => {
    expect(() =>
      load({
        aggregates: [BankAccount],
        retry: { maxRetries: 2, transient: { initialDelayMs: 1 } },
        telemetry: {},
        aggregateCache: { maxEntries: 5 },
        projectionRunner: {
          checkpointEvery: { events: 10, ms: 50 },
          handlerRetry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
          resubscribe: { initialDelayMs: 1, maxDelayMs: 1 },
        },
        eventStore: { kurrent: { client, readPageSize: 10, deadlineMs: 100 } },
      })(),
    ).not.toThrow();
    expect(
      () => new ProjectionRunner(new InMemoryEventStore(), [], { checkpointEvery: { events: 1 }, logger: console }),
    ).not.toThrow();
  });
});
