import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanStatusCode } from '@opentelemetry/api';
import { Container } from 'inversify';
import {
  EventStore,
  InMemoryEventStore,
  MNEME_ATTRIBUTES as A,
  MNEME_METRICS as M,
  MNEME_SPANS as S,
  MnemeTelemetry,
  On,
  Projection,
  ProjectionRunner,
  mnemeModule,
} from 'mneme';
import { parentOf, TelemetryCapture, useContextManager } from '../support/telemetry-capture.js';
import { ItemAdded, ItemsPerList, added, removed } from './projection-fixtures.js';

const fast = {
  handlerRetry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
  resubscribe: { initialDelayMs: 1, maxDelayMs: 4 },
};

describe('projection telemetry', () => {
  useContextManager();
  let capture: TelemetryCapture;
  let telemetry: MnemeTelemetry;

  beforeEach(() => {
    capture = new TelemetryCapture();
    telemetry = new MnemeTelemetry({ tracerProvider: capture.tracerProvider, meterProvider: capture.meterProvider });
  });
  afterEach(async () => {
    await capture.shutdown();
  });

  async function runToTheEnd(store: EventStore, projections: object[]) {
    const runner = new ProjectionRunner(store, projections, { ...fast, telemetry });
    await runner.start();
    await runner.catchUp();
    await runner.stop();
  }

  it('traces each event a projection handles, with its name, the event and the attempt', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('List-a', [added('a', 'milk'), added('a', 'eggs')]);
    await store.appendToStream('List-b', [removed('b', 'tea')]);

    await runToTheEnd(store, [new ItemsPerList()]);

    const spans = capture.spans(S.projection);
    expect(spans.map((span) => span.attributes)).toEqual([
      {
        [A.projectionName]: 'items-per-list',
        [A.eventType]: 'ProjectionTest.ItemAdded',
        [A.stream]: 'List-a',
        [A.eventRevision]: 0,
        [A.projectionAttempt]: 1,
        [A.projectionOutcome]: 'ok',
      },
      {
        [A.projectionName]: 'items-per-list',
        [A.eventType]: 'ProjectionTest.ItemAdded',
        [A.stream]: 'List-a',
        [A.eventRevision]: 1,
        [A.projectionAttempt]: 1,
        [A.projectionOutcome]: 'ok',
      },
      {
        [A.projectionName]: 'items-per-list',
        [A.eventType]: 'ProjectionTest.ItemRemoved',
        [A.stream]: 'List-b',
        [A.eventRevision]: 0,
        [A.projectionAttempt]: 1,
        [A.projectionOutcome]: 'ok',
      },
    ]);
    expect(
      await capture.counter(M.projectionEvents, { [A.projectionName]: 'items-per-list', [A.projectionOutcome]: 'ok' }),
    ).toBe(3);
    expect(await capture.recorded(M.projectionDuration, { [A.projectionName]: 'items-per-list' })).toBe(3);
  });

  it('records each failed attempt of a handler as an error span, then the attempt that succeeded', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('List-a', [added('a', 'tea')]);
    const projection = new ItemsPerList();
    projection.failOn = 'tea';
    projection.failTimes = 2;

    await runToTheEnd(store, [projection]);

    const spans = capture.spans(S.projection);
    expect(
      spans.map((span) => [
        span.attributes[A.projectionAttempt],
        span.attributes[A.projectionOutcome],
        span.status.code,
      ]),
    ).toEqual([
      [1, 'error', SpanStatusCode.ERROR],
      [2, 'error', SpanStatusCode.ERROR],
      [3, 'ok', SpanStatusCode.UNSET],
    ]);
    expect(spans[0]!.events).toEqual([
      expect.objectContaining({
        name: 'exception',
        attributes: expect.objectContaining({ 'exception.message': 'cannot add tea' }),
      }),
    ]);
    expect(await capture.counter(M.projectionEvents, { [A.projectionOutcome]: 'error' })).toBe(2);
    expect(await capture.counter(M.projectionEvents, { [A.projectionOutcome]: 'ok' })).toBe(1);
  });

  it("makes the handler's own spans children of its projection span", async () => {
    const tracer = () => capture.tracerProvider.getTracer('read-model-db');
    @Projection({ name: 'traced-writes', from: { categories: ['List'] } })
    class TracedWrites {
      @On(ItemAdded)
      async add() {
        await tracer().startActiveSpan('db.insert', async (span) => span.end());
      }
    }
    const store = new InMemoryEventStore();
    await store.appendToStream('List-a', [added('a', 'milk')]);

    await runToTheEnd(store, [new TracedWrites()]);

    expect(parentOf(capture.span('db.insert'))).toBe(capture.span(S.projection).spanContext().spanId);
  });

  it('gets its telemetry from mnemeModule, and nothing with telemetry: false', async () => {
    const run = async (options: Parameters<typeof mnemeModule>[0]) => {
      const container = new Container();
      container.load(mnemeModule({ projections: [ItemsPerList], projectionRunner: fast, ...options }));
      await container.get(EventStore).appendToStream('List-a', [added('a', 'milk')]);
      const runner = container.get(ProjectionRunner);
      await runner.start();
      await runner.catchUp();
      await container.unbindAllAsync();
    };
    await run({ telemetry: false });
    expect(capture.spans()).toEqual([]);
    await run({ telemetry: { tracerProvider: capture.tracerProvider, meterProvider: capture.meterProvider } });
    expect(capture.span(S.projection).attributes[A.projectionName]).toBe('items-per-list');
  });
});
