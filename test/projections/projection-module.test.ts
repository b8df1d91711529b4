import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container, inject, injectable } from 'inversify';
import {
  CheckpointStore,
  EventStore,
  InvalidProjectionError,
  Logger,
  On,
  Projection,
  ProjectionRunner,
  mnemeModule,
} from 'mneme';
import { ItemAdded, added } from './projection-fixtures.js';

/** The read model's own database client, bound by the application. */
class ListsTable {
  readonly rows = new Map<string, number>();
}

@Projection({ name: 'list-sizes', from: { categories: ['List'] } })
@injectable()
class ListSizes {
  constructor(@inject(ListsTable) private readonly table: ListsTable) {}

  @On(ItemAdded)
  add(event: ItemAdded) {
    this.table.rows.set(event.listId, (this.table.rows.get(event.listId) ?? 0) + 1);
  }
}

describe('mnemeModule({ projections })', () => {
  it('resolves projections from the container, with their own dependencies, and runs them', async () => {
    const container = new Container();
    container.bind(ListsTable).toSelf().inSingletonScope();
    container.load(
      mnemeModule({ projections: [ListSizes], projectionRunner: { checkpointEvery: { events: 10, ms: 500 } } }),
    );
    const runner = container.get(ProjectionRunner);
    expect(container.get(ProjectionRunner)).toBe(runner);
    await container.get(EventStore).appendToStream('List-a', [added('a', 'milk'), added('a', 'tea')]);
    await runner.start();
    await runner.catchUp();
    expect(container.get(ListsTable).rows.get('a')).toBe(2);
    expect(runner.status()).toEqual([expect.objectContaining({ name: 'list-sizes', state: 'running' })]);
    await container.unbindAllAsync(); // stops the runner
    expect(runner.status()[0]!.state).toBe('stopped');
  });

  it('hands the logger to the runner', async () => {
    const lines: string[] = [];
    const logger: Logger = { debug() {}, info: (message) => void lines.push(message), warn() {}, error() {} };
    const container = new Container();
    container.bind(ListsTable).toSelf().inSingletonScope();
    container.load(mnemeModule({ projections: [ListSizes], logger }));
    const runner = container.get(ProjectionRunner);
    await runner.start();
    await runner.stop();
    expect(lines).toContain('projection starting');
  });

  it("uses the application's own CheckpointStore and Logger bindings when the options are absent", async () => {
    const saved: string[] = [];
    const lines: string[] = [];
    class TableCheckpoints extends CheckpointStore {
      async load() {
        return undefined;
      }
      async save(projection: string) {
        saved.push(projection);
      }
    }
    const container = new Container();
    container.bind(ListsTable).toSelf().inSingletonScope();
    container.bind(CheckpointStore).toConstantValue(new TableCheckpoints());
    container
      .bind(Logger)
      .toConstantValue({ debug() {}, info: (message: string) => void lines.push(message), warn() {}, error() {} });
    container.load(mnemeModule({ projections: [ListSizes] }));
    await container.get(EventStore).appendToStream('List-a', [added('a', 'milk')]);
    const runner = container.get(ProjectionRunner);
    await runner.start();
    await runner.catchUp();
    await runner.stop();
    expect(saved).toContain('list-sizes');
    expect(lines).toContain('projection starting');
  });

  it('fails container.load for a class that is not a projection, and for bad runner settings', async () => {
    class NotAProjection {}
    await expect(
      Promise.resolve().then(() => new Container().load(mnemeModule({ projections: [NotAProjection] }))),
    ).rejects.toThrow(InvalidProjectionError);
    await expect(
      Promise.resolve().then(() =>
        new Container().load(mnemeModule({ projectionRunner: { handlerRetry: { maxAttempts: 0 } } })),
      ),
    ).rejects.toMatchObject({ code: 'MNEME_INVALID_CONFIGURATION' });
    const notALogger = { info() {} } as unknown as Logger;
    await expect(
      Promise.resolve().then(() => new Container().load(mnemeModule({ logger: notALogger }))),
    ).rejects.toMatchObject({ option: 'logger' });
  });
});
