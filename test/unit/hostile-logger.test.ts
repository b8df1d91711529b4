import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRoot,
  Apply,
  CommandBus,
  EventType,
  Handles,
  InMemoryEventStore,
  Logger,
  SNAPSHOT_EVENT_TYPE,
  mnemeModule,
  snapshotStreamName,
  type LogFields,
} from 'mneme';
import { ProjectionRunner } from 'mneme';
import { ItemsPerList, added } from '../projections/projection-fixtures.js';

class Bump {
  @AggregateId() counterId: string;
  constructor(counterId: string) {
    this.counterId = counterId;
  }
}

@EventType('HostileLogger.Bumped')
class Bumped {}

@Aggregate({ category: 'HostileLoggerCounter', snapshot: { every: 2, version: 1 } })
class Counter extends AggregateRoot {
  count = 0;
  @Handles(Bump) bump() {
    return new Bumped();
  }
  @Apply(Bumped) onBumped() {
    this.count += 1;
  }
}

/** What a user writes in five minutes: one JSON line per call. Chokes on a BigInt, as JSON.stringify does. */
class JsonLogger extends Logger {
  readonly lines: string[] = [];
  debug(message: string, fields?: LogFields) {
    this.lines.push(JSON.stringify({ level: 'debug', message, ...fields }));
  }
  info(message: string, fields?: LogFields) {
    this.lines.push(JSON.stringify({ level: 'info', message, ...fields }));
  }
  warn(message: string, fields?: LogFields) {
    this.lines.push(JSON.stringify({ level: 'warn', message, ...fields }));
  }
  error(message: string, fields?: LogFields) {
    this.lines.push(JSON.stringify({ level: 'error', message, ...fields }));
  }
}

class ThrowingLogger extends Logger {
  calls = 0;
  debug(): void {
    this.calls += 1;
    throw new Error('the log sink is gone');
  }
  info(): void {
    this.debug();
  }
  warn(): void {
    this.debug();
  }
  error(): void {
    this.debug();
  }
}

/** An async logger (its methods return promises): one that rejects, one that never settles. */
function asyncLogger(settle: 'reject' | 'hang'): Logger & { calls: number } {
  const logger = {
    calls: 0,
    log(): Promise<void> {
      logger.calls += 1;
      return settle === 'reject'
        ? Promise.reject(new Error('the remote sink refused'))
        : new Promise<void>(() => undefined);
    },
    debug: () => logger.log(),
    info: () => logger.log(),
    warn: () => logger.log(),
    error: () => logger.log(),
  };
  return logger as unknown as Logger & { calls: number };
}

const hostileLoggers = (): [string, Logger & { calls?: number; lines?: string[] }][] => [
  ['a JSON.stringify logger', new JsonLogger()],
  ['a logger that throws', new ThrowingLogger()],
  ['a logger whose promises reject', asyncLogger('reject')],
  ['a logger whose promises never settle', asyncLogger('hang')],
];

function called(logger: { calls?: number; lines?: string[] }): number {
  return logger.calls ?? logger.lines?.length ?? 0;
}

describe('a hostile Logger', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  describe.each(hostileLoggers())('%s', (_name, logger) => {
    it('leaves commands on an aggregate with an unreadable snapshot working as with no logger', async () => {
      const store = new InMemoryEventStore();
      const container = new Container();
      container.load(mnemeModule({ aggregates: [Counter], eventStore: store, logger }));
      const bus = container.get(CommandBus);
      const id = 'c-1';
      await bus.execute(new Bump(id));
      await bus.execute(new Bump(id));
      // Another producer (or an older release) left a snapshot no one can read: it is reported, with
      // the revision (a bigint) and the error among the fields.
      await store.appendToStream(snapshotStreamName('HostileLoggerCounter', id), [
        { type: SNAPSHOT_EVENT_TYPE, data: { revision: 'not a revision' } },
      ]);
      const before = called(logger);

      const fresh = new Container();
      fresh.load(mnemeModule({ aggregates: [Counter], eventStore: store, logger }));
      const freshBus = fresh.get(CommandBus);
      for (let i = 0; i < 3; i++) await freshBus.execute(new Bump(id));
      const counter = await fresh.get(CommandBus).execute(new Bump(id));
      expect(counter.events).toHaveLength(1);
      expect(called(logger)).toBeGreaterThan(before); // the logger was called, and its failure changed nothing
      const events = [];
      for await (const event of store.readStream(`HostileLoggerCounter-${id}`)) events.push(event);
      expect(events).toHaveLength(6);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    });

    it('leaves a projection whose handler fails once running as with no logger, with nothing reaching the process', async () => {
      const store = new InMemoryEventStore();
      const projection = new ItemsPerList();
      projection.failOn = 'flaky';
      projection.failTimes = 1;
      const runner = new ProjectionRunner(store, [projection], {
        logger,
        handlerRetry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
        checkpointEvery: { events: 1 },
      });
      await store.appendToStream('List-a', [added('a', 'milk'), added('a', 'flaky'), added('a', 'eggs')]);
      await runner.start();
      await runner.catchUp();
      expect(projection.lists.get('a')).toEqual(['milk', 'flaky', 'eggs']);
      await runner.stop();
      expect(runner.status()[0]).toMatchObject({ state: 'stopped', error: undefined });
      expect(called(logger)).toBeGreaterThan(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    });
  });

  it('is given JSON-safe fields: revisions and positions as strings, errors as plain fields', async () => {
    const logger = new JsonLogger();
    const store = new InMemoryEventStore();
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Counter], eventStore: store, logger }));
    const bus = container.get(CommandBus);
    await bus.execute(new Bump('c-2'));
    await store.appendToStream(snapshotStreamName('HostileLoggerCounter', 'c-2'), [
      { type: SNAPSHOT_EVENT_TYPE, data: { revision: 'x' } },
    ]);
    const fresh = new Container();
    fresh.load(mnemeModule({ aggregates: [Counter], eventStore: store, logger }));
    await fresh.get(CommandBus).execute(new Bump('c-2'));
    const warnings = logger.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.level === 'warn');
    expect(warnings.length).toBeGreaterThan(0);
    const [warning] = warnings;
    expect(typeof warning!.revision).toBe('string');
    expect(warning!.error).toMatchObject({
      name: expect.any(String),
      message: expect.any(String),
      code: 'MNEME_UNREADABLE_SNAPSHOT',
    });
    // What the logger got survives a JSON round trip unchanged: nothing was lost or turned into {}.
    for (const line of logger.lines) expect(JSON.stringify(JSON.parse(line))).toBe(line);
  });

  it('is given JSON-safe fields by projections too: a retried handler, saved positions, a dropped subscription', async () => {
    const logger = new JsonLogger();
    const store = new InMemoryEventStore();
    const projection = new ItemsPerList();
    projection.failOn = 'flaky';
    projection.failTimes = 1;
    const runner = new ProjectionRunner(store, [projection], {
      logger,
      handlerRetry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
      checkpointEvery: { events: 1 },
    });
    await store.appendToStream('List-a', [added('a', 'flaky')]);
    await runner.start();
    await runner.catchUp();
    await runner.stop();
    const lines = logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const retry = lines.find((line) => line.message === 'projection handler failed; retrying');
    expect(retry).toMatchObject({ revision: '0', error: { name: 'Error', message: 'cannot add flaky' } });
    const saved = lines.find((line) => line.message === 'projection checkpoint saved');
    expect(saved).toMatchObject({
      position: { commit: expect.stringMatching(/^\d+$/), prepare: expect.stringMatching(/^\d+$/) },
    });
  });
});
