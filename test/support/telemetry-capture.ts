/** An OpenTelemetry SDK that keeps what it records in memory, for asserting on spans and metrics. */
import { afterAll, beforeAll } from '@jest/globals';
import { context, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';

/** A reader that exports nothing by itself: `collect()` is called by the test. */
class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export class TelemetryCapture {
  readonly exporter = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.exporter)] });
  readonly #reader = new CollectingReader();
  readonly meterProvider = new MeterProvider({ readers: [this.#reader] });

  /** Finished spans, in the order they ended; only those named `name` if given. */
  spans(name?: string): ReadableSpan[] {
    const spans = this.exporter.getFinishedSpans();
    return name === undefined ? spans : spans.filter((span) => span.name === name);
  }

  /** The one finished span named `name`; fails if there is not exactly one. */
  span(name: string): ReadableSpan {
    const spans = this.spans(name);
    if (spans.length !== 1) throw new Error(`expected one '${name}' span, found ${spans.length}`);
    return spans[0]!;
  }

  /** The data points of the instrument `name` (cumulative since the start); none if it recorded nothing. */
  async points(name: string): Promise<DataPoint<unknown>[]> {
    const { resourceMetrics, errors } = await this.#reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
    const metrics = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name);
    return metrics.flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
  }

  /** Sum of a counter over the data points whose attributes include `attributes`. */
  async counter(name: string, attributes: Attributes = {}): Promise<number> {
    return (await this.points(name))
      .filter((point) => matches(point.attributes, attributes))
      .reduce((sum, point) => sum + (point.value as number), 0);
  }

  /** How many values a histogram recorded, over the data points whose attributes include `attributes`. */
  async recorded(name: string, attributes: Attributes = {}): Promise<number> {
    return (await this.points(name))
      .filter((point) => matches(point.attributes, attributes))
      .reduce((sum, point) => sum + (point.value as Histogram).count, 0);
  }

  /** Attribute sets a metric recorded under. */
  async attributeSets(name: string): Promise<Attributes[]> {
    return (await this.points(name)).map((point) => point.attributes);
  }

  reset(): void {
    this.exporter.reset();
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }
}

function matches(actual: Attributes, expected: Attributes): boolean {
  return Object.entries(expected).every(([key, value]) => actual[key] === value);
}

/** The parent span id of `span`, if it has a parent. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/**
 * Registers an AsyncLocalStorage context manager for the enclosing describe block (what an SDK's
 * `register()` does), so spans started inside an active span become its children.
 */
export function useContextManager(): void {
  let manager: AsyncLocalStorageContextManager | undefined;
  beforeAll(() => {
    manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
  });
  afterAll(() => {
    context.disable();
    manager?.disable();
  });
}
