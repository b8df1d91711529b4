import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { describeValue } from '../errors/describe-value.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';

/**
 * Where Mneme's spans and instruments go. Both default to the global providers of
 * `@opentelemetry/api`: with no SDK registered they do nothing.
 */
export interface TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

export interface ResolvedTelemetry {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
}

const KEYS = ['tracerProvider', 'meterProvider'];

/**
 * Checks the `telemetry` option before anything runs. The global meter provider is read now: an
 * SDK registered later is not seen by the instruments (register it before creating the container).
 * The global tracer provider is a proxy, so a later SDK is seen by spans.
 */
export function resolveTelemetryOptions(options: TelemetryOptions = {}, path = 'telemetry'): ResolvedTelemetry {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidConfigurationError(path, `expected { tracerProvider?, meterProvider? } or false, got ${describeValue(options)}`);
  }
  const unknown = Object.keys(options).find((key) => !KEYS.includes(key));
  if (unknown !== undefined) {
    throw new InvalidConfigurationError(`${path}.${unknown}`, `'${unknown}' is not an option; known options: ${KEYS.join(', ')}`);
  }
  const { tracerProvider, meterProvider } = options;
  if (tracerProvider !== undefined && typeof (tracerProvider as Partial<TracerProvider> | null)?.getTracer !== 'function') {
    throw new InvalidConfigurationError(`${path}.tracerProvider`, `expected an OpenTelemetry TracerProvider (with getTracer), got ${describeValue(tracerProvider)}`);
  }
  if (meterProvider !== undefined && typeof (meterProvider as Partial<MeterProvider> | null)?.getMeter !== 'function') {
    throw new InvalidConfigurationError(`${path}.meterProvider`, `expected an OpenTelemetry MeterProvider (with getMeter), got ${describeValue(meterProvider)}`);
  }
  return {
    tracerProvider: tracerProvider ?? trace.getTracerProvider(),
    meterProvider: meterProvider ?? metrics.getMeterProvider(),
  };
}
