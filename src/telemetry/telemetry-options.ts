import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';

/**
 * Where Mneme's spans and instruments go. Both default to the global providers of
 * `@opentelemetry/api`: with no SDK registered they do nothing.
 */
export interface TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

const TELEMETRY_OPTIONS: OptionShape = {
  tracerProvider: rule.custom(
    'an OpenTelemetry TracerProvider (with getTracer)',
    (value) => typeof (value as Partial<TracerProvider> | null)?.getTracer === 'function',
  ),
  meterProvider: rule.custom(
    'an OpenTelemetry MeterProvider (with getMeter)',
    (value) => typeof (value as Partial<MeterProvider> | null)?.getMeter === 'function',
  ),
} satisfies Record<keyof TelemetryOptions, unknown>;

/**
 * Checks the `telemetry` option before anything runs. The providers left out default to the global
 * ones of `@opentelemetry/api` (see `MnemeTelemetry`): the global meter provider is read when the
 * telemetry is created, so an SDK registered later is not seen by the instruments (register it
 * before creating the container); the global tracer provider is a proxy, so a later SDK is seen by spans.
 */
export function checkTelemetryOptions(options: TelemetryOptions = {}, path = 'telemetry'): TelemetryOptions {
  checkOptions(options, path, TELEMETRY_OPTIONS, 'an options object ({ tracerProvider?, meterProvider? }) or false');
  return options;
}
