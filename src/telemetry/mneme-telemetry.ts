import type {
  Attributes,
  Counter,
  Histogram,
  MeterProvider,
  ProxyTracerProvider,
  Span,
  SpanOptions,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { ConcurrencyError } from '../errors/command-errors.js';
import { EventStoreUnavailableError } from '../errors/store-errors.js';
import { openTelemetryApi, openTelemetryRegistered, type OpenTelemetryApi } from './open-telemetry-api.js';
import { commandOutcomeOf, errorCodeOf, recordError } from './span-errors.js';
import {
  MNEME_ATTRIBUTES as A,
  MNEME_METRICS,
  MNEME_SPANS,
  RETRY_SPAN_EVENT,
  type CommandOutcome,
} from './telemetry-names.js';
import { checkTelemetryOptions, type TelemetryOptions } from './telemetry-options.js';

/** What the command span needs of a dispatch (the bus's `CommandContext` fits). */
export interface CommandFacts {
  readonly command: object;
  readonly commandId: string;
  readonly aggregateType: { readonly name: string };
  readonly streamName: string;
  /** Read when the command ends: the attempts made. */
  readonly attempt: number;
}

/** Filled in by a load as it reads (a plain counter: nothing is allocated per event). */
export interface LoadProbe {
  eventsRead: number;
  fromSnapshot: boolean;
  /** Caught up from the aggregate cache: only the events after the cached revision were read. */
  fromCache?: boolean;
}

/** A retry of the command loop (the retry policy's `RetryNotice` fits). */
export interface RetryFacts {
  readonly reason: 'conflict' | 'transient';
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: Error;
}

/** The recorded event a projection handles (`PositionedEvent` fits). */
export interface HandledEventFacts {
  readonly type: string;
  readonly streamName: string;
  readonly revision: bigint;
}

const OUTCOMES: readonly CommandOutcome[] = ['ok', 'rejected', 'conflict-exhausted', 'transient-exhausted', 'error'];
/** Sub-millisecond in-memory commands up to 10 s Kurrent calls under retry. */
const MS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
const RETRY_ATTRIBUTES: Record<RetryFacts['reason'], Attributes> = {
  conflict: { [A.retryReason]: 'conflict' },
  transient: { [A.retryReason]: 'transient' },
};
const LOAD_ATTRIBUTES: Attributes = { [A.storeOperation]: 'load' };
const APPEND_ATTRIBUTES: Attributes = { [A.storeOperation]: 'append' };
/** Written by loads while telemetry is off, and never read. */
const UNUSED_PROBE: LoadProbe = { eventsRead: 0, fromSnapshot: false };

/** Where spans and metrics go once `@opentelemetry/api` is loaded: the tracer, the instruments. */
interface Recorder {
  readonly api: OpenTelemetryApi;
  readonly tracer: Tracer;
  readonly internal: SpanOptions;
  /** The global provider given (the default): no span is started while no SDK is registered behind it. */
  readonly proxy: ProxyTracerProvider | undefined;
  /** What a `ProxyTracerProvider` delegates to while no SDK is registered (the API's no-op provider). */
  readonly noSdkTracerProvider: TracerProvider;
  /** The meter is the API's no-op one (no SDK registered, or none given): metrics cost nothing to skip. */
  readonly noopMeter: boolean;
  readonly commands: Counter;
  readonly commandDuration: Histogram;
  readonly conflicts: Counter;
  readonly retries: Counter;
  readonly transientFaults: Counter;
  readonly eventsAppended: Counter;
  readonly loadDuration: Histogram;
  readonly projectionEvents: Counter;
  readonly projectionDuration: Histogram;
}

function recorderOf(api: OpenTelemetryApi, tracerProvider: TracerProvider, meterProvider: MeterProvider): Recorder {
  const meter = meterProvider.getMeter('mneme');
  const counter = (name: string, unit: string, description: string) => meter.createCounter(name, { unit, description });
  const histogram = (name: string, description: string) =>
    meter.createHistogram(name, { unit: 'ms', description, advice: { explicitBucketBoundaries: MS_BUCKETS } });
  return {
    api,
    tracer: tracerProvider.getTracer('mneme'),
    internal: Object.freeze({ kind: api.SpanKind.INTERNAL }),
    proxy: tracerProvider instanceof api.ProxyTracerProvider ? tracerProvider : undefined,
    noSdkTracerProvider: new api.ProxyTracerProvider().getDelegate(),
    noopMeter: Object.getPrototypeOf(meter) === Object.getPrototypeOf(api.createNoopMeter()),
    commands: counter(MNEME_METRICS.commands, '{command}', 'Commands executed by the command bus, by type and outcome'),
    commandDuration: histogram(MNEME_METRICS.commandDuration, 'Time of a command, every attempt included'),
    conflicts: counter(
      MNEME_METRICS.conflicts,
      '{conflict}',
      'Appends that lost a race with another writer (ConcurrencyError)',
    ),
    retries: counter(MNEME_METRICS.retries, '{retry}', 'Command retries, by reason (conflict or transient)'),
    transientFaults: counter(
      MNEME_METRICS.transientFaults,
      '{fault}',
      'Loads and appends that failed with a transient store fault',
    ),
    eventsAppended: counter(MNEME_METRICS.eventsAppended, '{event}', 'Events appended by commands'),
    loadDuration: histogram(MNEME_METRICS.loadDuration, 'Time to load an aggregate (snapshot and replay)'),
    projectionEvents: counter(
      MNEME_METRICS.projectionEvents,
      '{call}',
      'Projection handler calls, by outcome (each retry counts)',
    ),
    projectionDuration: histogram(MNEME_METRICS.projectionDuration, 'Time of one projection handler call'),
  };
}

/**
 * Mneme's OpenTelemetry instrumentation, through `@opentelemetry/api` only: spans for commands,
 * loads, appends and projection handlers, and the instruments listed in `MNEME_METRICS`. With no
 * SDK registered every call is a no-op of the API; attributes are computed only for recording
 * spans, and metric attribute sets are built once per command class, aggregate or projection.
 */
export class MnemeTelemetry {
  /** Records nothing (`mnemeModule({ telemetry: false })`). */
  static readonly disabled: MnemeTelemetry = new MnemeTelemetry(false);

  readonly enabled: boolean;
  /** Set once `@opentelemetry/api` is loaded for this telemetry (at once when something is registered). */
  #recorder: Recorder | undefined;
  /** The default providers, nothing registered yet: the API is loaded when something is. */
  readonly #waiting: boolean;
  /** Metric attributes, built once: per command class and outcome, per aggregate type, per projection. */
  readonly #commandAttributes = new WeakMap<object, Record<CommandOutcome, Attributes>>();
  readonly #aggregateAttributes = new Map<
    string,
    {
      readonly type: Attributes;
      readonly replayed: Attributes;
      readonly fromSnapshot: Attributes;
      readonly fromCache: Attributes;
    }
  >();
  readonly #projectionAttributes = new Map<
    string,
    { readonly ok: Attributes; readonly error: Attributes; readonly name: Attributes }
  >();

  /**
   * `false` turns everything off; the default uses the global providers of `@opentelemetry/api`.
   * The API is loaded only once an application hands providers or something is registered with it:
   * until then nothing could be recorded, and each call checks again (one global property read).
   */
  constructor(options: TelemetryOptions | false = {}) {
    this.enabled = options !== false;
    this.#waiting = false;
    if (options === false) return;
    const { tracerProvider, meterProvider } = checkTelemetryOptions(options);
    if (tracerProvider === undefined && meterProvider === undefined && !openTelemetryRegistered()) {
      this.#waiting = true;
      return;
    }
    const api = openTelemetryApi();
    this.#recorder = recorderOf(
      api,
      tracerProvider ?? api.trace.getTracerProvider(),
      meterProvider ?? api.metrics.getMeterProvider(),
    );
  }

  /** Runs one command (all its attempts) in a `mneme.command` span; loads and appends become its children. */
  command<T>(facts: CommandFacts, run: () => Promise<T>): Promise<T> {
    const r = this.#recording();
    if (r === undefined) return run();
    const span = r.tracer.startSpan(MNEME_SPANS.command, r.internal);
    return idle(r, span) ? run() : this.#command(r, span, facts, run);
  }

  /** Runs one aggregate load in a `mneme.load` span; `run` fills the probe in. */
  load<T>(aggregateType: string, streamName: string, run: (probe: LoadProbe) => Promise<T>): Promise<T> {
    const r = this.#recording();
    if (r === undefined) return run(UNUSED_PROBE);
    const span = r.tracer.startSpan(MNEME_SPANS.load, r.internal);
    return idle(r, span) ? run(UNUSED_PROBE) : this.#load(r, span, aggregateType, streamName, run);
  }

  /** Runs one append of `events` events in a `mneme.append` span. */
  append<T>(
    aggregateType: string,
    streamName: string,
    events: number,
    expectedRevision: bigint | string,
    run: () => Promise<T>,
  ): Promise<T> {
    const r = this.#recording();
    if (r === undefined) return run();
    const span = r.tracer.startSpan(MNEME_SPANS.append, r.internal);
    return idle(r, span) ? run() : this.#append(r, span, aggregateType, streamName, events, expectedRevision, run);
  }

  /** Runs one projection handler call in a `mneme.projection` span. */
  projection<T>(projection: string, event: HandledEventFacts, attempt: number, run: () => T): Promise<Awaited<T>> | T {
    const r = this.#recording();
    if (r === undefined) return run();
    const span = r.tracer.startSpan(MNEME_SPANS.projection, r.internal);
    return idle(r, span) ? run() : this.#projection(r, span, projection, event, attempt, run);
  }

  /** The retry loop's `onRetry` hook: counts the retry and marks it on the command span. */
  readonly retried = (notice: RetryFacts): void => {
    const r = this.#recording();
    if (r === undefined) return;
    r.retries.add(1, RETRY_ATTRIBUTES[notice.reason]);
    const span = r.api.trace.getActiveSpan();
    if (!span?.isRecording()) return;
    const attributes: Attributes = {
      [A.retryReason]: notice.reason,
      [A.retryAttempt]: notice.attempt,
      [A.retryDelayMs]: notice.delayMs,
    };
    const code = errorCodeOf(notice.error);
    if (code !== undefined) attributes[A.errorCode] = code;
    span.addEvent(RETRY_SPAN_EVENT, attributes);
  };

  /**
   * Where to record, or undefined when nothing can be recorded, known without starting a span:
   * telemetry is off, nothing is registered with the API (it is not even loaded), or the meter is
   * the API's no-op one and the global tracer provider has no SDK behind it (checked on every call,
   * so an SDK registered later is picked up for traces).
   */
  #recording(): Recorder | undefined {
    const r = this.#recorder ?? this.#wake();
    if (r === undefined || (r.noopMeter && r.proxy !== undefined && r.proxy.getDelegate() === r.noSdkTracerProvider))
      return undefined;
    return r;
  }

  /**
   * Loads the API once something is registered with it, as the constructor would have: the global
   * tracer provider (the API's proxy, which follows the SDK registered behind it) and the meter read
   * when this telemetry was created (then the no-op one: nothing was registered).
   */
  #wake(): Recorder | undefined {
    if (!this.#waiting || !openTelemetryRegistered()) return undefined;
    const api = openTelemetryApi();
    const noopMeterProvider: MeterProvider = { getMeter: () => api.createNoopMeter() };
    return (this.#recorder = recorderOf(api, api.trace.getTracerProvider(), noopMeterProvider));
  }

  async #command<T>(r: Recorder, span: Span, facts: CommandFacts, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    if (span.isRecording()) {
      span.setAttributes({
        [A.commandType]: facts.command.constructor.name,
        [A.aggregateType]: facts.aggregateType.name,
        [A.stream]: facts.streamName,
        [A.commandId]: facts.commandId,
      });
    }
    let outcome: CommandOutcome = 'ok';
    try {
      return await within(r.api, span, run);
    } catch (error) {
      outcome = commandOutcomeOf(error);
      recordError(span, error);
      throw error;
    } finally {
      const attributes = this.#commandMetricAttributes(facts, outcome);
      r.commands.add(1, attributes);
      r.commandDuration.record(performance.now() - started, attributes);
      if (span.isRecording()) span.setAttributes({ [A.commandAttempts]: facts.attempt, [A.commandOutcome]: outcome });
      span.end();
    }
  }

  async #load<T>(
    r: Recorder,
    span: Span,
    aggregateType: string,
    streamName: string,
    run: (probe: LoadProbe) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const recording = span.isRecording();
    if (recording) span.setAttributes({ [A.aggregateType]: aggregateType, [A.stream]: streamName });
    const probe: LoadProbe = { eventsRead: 0, fromSnapshot: false };
    try {
      const loaded = await within(r.api, span, () => run(probe));
      const attributes = this.#aggregateMetricAttributes(aggregateType);
      r.loadDuration.record(
        performance.now() - started,
        probe.fromCache ? attributes.fromCache : probe.fromSnapshot ? attributes.fromSnapshot : attributes.replayed,
      );
      if (recording)
        span.setAttributes({
          [A.loadEvents]: probe.eventsRead,
          [A.loadFromSnapshot]: probe.fromSnapshot,
          [A.loadFromCache]: probe.fromCache === true,
        });
      return loaded;
    } catch (error) {
      if (EventStoreUnavailableError.is(error)) r.transientFaults.add(1, LOAD_ATTRIBUTES);
      if (recording)
        span.setAttributes({
          [A.loadEvents]: probe.eventsRead,
          [A.loadFromSnapshot]: probe.fromSnapshot,
          [A.loadFromCache]: probe.fromCache === true,
        });
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  async #append<T>(
    r: Recorder,
    span: Span,
    aggregateType: string,
    streamName: string,
    events: number,
    expectedRevision: bigint | string,
    run: () => Promise<T>,
  ): Promise<T> {
    if (span.isRecording()) {
      span.setAttributes({
        [A.aggregateType]: aggregateType,
        [A.stream]: streamName,
        [A.appendEvents]: events,
        [A.appendExpectedRevision]: String(expectedRevision),
      });
    }
    try {
      const appended = await within(r.api, span, run);
      r.eventsAppended.add(events, this.#aggregateMetricAttributes(aggregateType).type);
      return appended;
    } catch (error) {
      if (ConcurrencyError.is(error)) r.conflicts.add(1, this.#aggregateMetricAttributes(aggregateType).type);
      else if (EventStoreUnavailableError.is(error)) r.transientFaults.add(1, APPEND_ATTRIBUTES);
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  async #projection<T>(
    r: Recorder,
    span: Span,
    projection: string,
    event: HandledEventFacts,
    attempt: number,
    run: () => T,
  ): Promise<Awaited<T>> {
    const started = performance.now();
    if (span.isRecording()) {
      span.setAttributes({
        [A.projectionName]: projection,
        [A.eventType]: event.type,
        [A.stream]: event.streamName,
        [A.eventRevision]: Number(event.revision),
        [A.projectionAttempt]: attempt,
      });
    }
    const attributes = this.#projectionMetricAttributes(projection);
    let failed = false;
    try {
      return await within(r.api, span, run);
    } catch (error) {
      failed = true;
      recordError(span, error);
      throw error;
    } finally {
      r.projectionEvents.add(1, failed ? attributes.error : attributes.ok);
      r.projectionDuration.record(performance.now() - started, attributes.name);
      if (span.isRecording()) span.setAttribute(A.projectionOutcome, failed ? 'error' : 'ok');
      span.end();
    }
  }

  #commandMetricAttributes(facts: CommandFacts, outcome: CommandOutcome): Attributes {
    const type = facts.command.constructor;
    let byOutcome = this.#commandAttributes.get(type);
    if (!byOutcome) {
      const base = { [A.commandType]: type.name, [A.aggregateType]: facts.aggregateType.name };
      byOutcome = {} as Record<CommandOutcome, Attributes>;
      for (const each of OUTCOMES) byOutcome[each] = { ...base, [A.commandOutcome]: each };
      this.#commandAttributes.set(type, byOutcome);
    }
    return byOutcome[outcome];
  }

  #aggregateMetricAttributes(aggregateType: string) {
    let attributes = this.#aggregateAttributes.get(aggregateType);
    if (!attributes) {
      attributes = {
        type: { [A.aggregateType]: aggregateType },
        replayed: { [A.aggregateType]: aggregateType, [A.loadFromSnapshot]: false, [A.loadFromCache]: false },
        fromSnapshot: { [A.aggregateType]: aggregateType, [A.loadFromSnapshot]: true, [A.loadFromCache]: false },
        fromCache: { [A.aggregateType]: aggregateType, [A.loadFromSnapshot]: false, [A.loadFromCache]: true },
      };
      this.#aggregateAttributes.set(aggregateType, attributes);
    }
    return attributes;
  }

  #projectionMetricAttributes(projection: string) {
    let attributes = this.#projectionAttributes.get(projection);
    if (!attributes) {
      attributes = {
        name: { [A.projectionName]: projection },
        ok: { [A.projectionName]: projection, [A.projectionOutcome]: 'ok' },
        error: { [A.projectionName]: projection, [A.projectionOutcome]: 'error' },
      };
      this.#projectionAttributes.set(projection, attributes);
    }
    return attributes;
  }
}

/**
 * Nothing to record: the meter is the API's no-op one and the span neither records nor carries a
 * context to propagate (no SDK registered). The caller then runs the work as if there were no hook
 * (a non-recording span's end() does nothing, so it is not called).
 */
function idle(r: Recorder, span: Span): boolean {
  if (!r.noopMeter || span.isRecording()) return false;
  const spanContext = span.spanContext();
  // The API's no-op span carries this very object: no need for the validity check's regexes.
  return spanContext === r.api.INVALID_SPAN_CONTEXT || !r.api.isSpanContextValid(spanContext);
}

/**
 * Runs `run` with `span` as the active span, so the spans started inside are its children. With no
 * SDK registered the span has no valid context: there is nothing to propagate and nothing is allocated.
 */
function within<T>(api: OpenTelemetryApi, span: Span, run: () => T): T {
  return api.isSpanContextValid(span.spanContext())
    ? api.context.with(api.trace.setSpan(api.context.active(), span), run)
    : run();
}
