import type { Span } from '@opentelemetry/api';
import { AggregateAlreadyExistsError, AggregateNotFoundError } from '../errors/aggregate-errors.js';
import { MaxRetriesExceededError, TransientRetriesExceededError } from '../errors/command-errors.js';
import { DomainError } from '../errors/command-errors.js';
import { MnemeError } from '../errors/mneme-error.js';
import { openTelemetryApi } from './open-telemetry-api.js';
import { MNEME_ATTRIBUTES, type CommandOutcome } from './telemetry-names.js';

/** The stable `code` of a Mneme error (or a user's `DomainError` subclass); undefined for others. */
export function errorCodeOf(error: unknown): string | undefined {
  return MnemeError.is(error) ? error.code : undefined;
}

/** How a command that threw `error` ended (see `CommandOutcome`). */
export function commandOutcomeOf(error: unknown): CommandOutcome {
  if (MaxRetriesExceededError.is(error)) return 'conflict-exhausted';
  if (TransientRetriesExceededError.is(error)) return 'transient-exhausted';
  if (DomainError.is(error) || AggregateNotFoundError.is(error) || AggregateAlreadyExistsError.is(error))
    return 'rejected';
  return 'error';
}

/** Records what a span ended with: the exception, status ERROR, and the Mneme error code. */
export function recordError(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : message);
  // A recording span exists: the API is loaded already.
  span.setStatus({ code: openTelemetryApi().SpanStatusCode.ERROR, message });
  const code = errorCodeOf(error);
  if (code !== undefined) span.setAttribute(MNEME_ATTRIBUTES.errorCode, code);
}
