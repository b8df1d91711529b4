import { createRequire } from 'node:module';
import type * as OpenTelemetry from '@opentelemetry/api';

/** `@opentelemetry/api`, loaded on first need (see `openTelemetryApi`). */
export type OpenTelemetryApi = typeof OpenTelemetry;

/**
 * Where every copy of `@opentelemetry/api` 1.x keeps what is registered with it (tracer, meter,
 * context manager, propagator, diag logger): `Symbol.for('opentelemetry.js.api.<major>')` on the
 * global object, created by the first registration (the API's `internal/global-utils`).
 */
const GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1');

let api: OpenTelemetryApi | undefined;

/**
 * Whether anything was registered with the OpenTelemetry API, by any copy of it: one property read,
 * so the API itself need not be loaded to learn that there is nothing to record.
 */
export function openTelemetryRegistered(): boolean {
  return (globalThis as Record<symbol, unknown>)[GLOBAL_KEY] !== undefined;
}

/**
 * `@opentelemetry/api` itself, loaded now if it was not yet (synchronously, through its CommonJS
 * build, which is what `import` resolves to in Node as well: the same module instance). Deferred
 * until something is registered or an application hands its own providers, because loading its 65
 * files is a visible share of a process's start-up.
 */
export function openTelemetryApi(): OpenTelemetryApi {
  return (api ??= createRequire(import.meta.url)('@opentelemetry/api') as OpenTelemetryApi);
}
