import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  InMemoryEventStore,
  InvalidConfigurationError,
  ProjectionFailedError,
  ProjectionRunner,
  mnemeModule,
  type ProjectionRunnerOptions,
} from 'mneme';
import { ItemsPerList, added } from './projection-fixtures.js';

const delays = { initialDelayMs: 1, maxDelayMs: 2 };

/** How many times a handler that always throws is called before its projection stops. */
async function callsUntilFailed(handlerRetry: ProjectionRunnerOptions['handlerRetry']): Promise<number> {
  const store = new InMemoryEventStore();
  const projection = new ItemsPerList();
  projection.failOn = 'poison';
  const runner = new ProjectionRunner(store, [projection], { handlerRetry });
  await store.appendToStream('List-a', [added('a', 'poison')]);
  await runner.start();
  const error = await runner.catchUp().catch((e: unknown) => e);
  await runner.stop();
  expect(error).toBeInstanceOf(ProjectionFailedError);
  expect((error as ProjectionFailedError).attempts).toBe(projection.failures);
  return projection.failures;
}

describe('projection handler retries, counted as commands count them', () => {
  it('handlerRetry.maxRetries counts retries after the first call, as retry.maxRetries does', async () => {
    expect(await callsUntilFailed({ maxRetries: 2, ...delays })).toBe(3);
    expect(await callsUntilFailed({ maxRetries: 0, ...delays })).toBe(1);
  });

  it('still takes the deprecated maxAttempts (calls in all)', async () => {
    expect(await callsUntilFailed({ maxAttempts: 3, ...delays })).toBe(3);
    expect(await callsUntilFailed({ maxAttempts: 3, maxRetries: 2, ...delays })).toBe(3);
  });

  it.each([
    [{ maxRetries: -1 }],
    [{ maxRetries: 1.5 }],
    [{ maxRetries: '3' as unknown as number }],
    [{ maxAttempts: 0 }],
    [{ maxAttempts: 2.5 }],
    [{ maxAttempts: 3, maxRetries: 3 }],
  ])('refuses handlerRetry %j when the module loads', async (handlerRetry) => {
    const load = async () => new Container().load(mnemeModule({ projectionRunner: { handlerRetry } }));
    await expect(load()).rejects.toThrow(InvalidConfigurationError);
  });
});
