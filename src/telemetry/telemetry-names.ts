/**
 * The names Mneme's OpenTelemetry spans, attributes and instruments carry, all under `mneme.`.
 * Stable: dashboards and alerts are built on them (the README lists them).
 */
export const MNEME_SPANS = Object.freeze({
  /** One `CommandBus.execute`, every attempt included. */
  command: 'mneme.command',
  /** Loading an aggregate: its snapshot (if any) and its events, replayed. */
  load: 'mneme.load',
  /** Appending a command's events to its stream. */
  append: 'mneme.append',
  /** One projection handler call on one event (each retry of a failing handler is its own span). */
  projection: 'mneme.projection',
} as const);

export const MNEME_ATTRIBUTES = Object.freeze({
  commandType: 'mneme.command.type',
  commandId: 'mneme.command.id',
  /** Attempts made, 1 when the first one succeeded. */
  commandAttempts: 'mneme.command.attempts',
  /** One of `CommandOutcome`. */
  commandOutcome: 'mneme.command.outcome',
  aggregateType: 'mneme.aggregate.type',
  stream: 'mneme.stream',
  /** Events read from the aggregate's stream by one load. */
  loadEvents: 'mneme.load.events',
  loadFromSnapshot: 'mneme.load.from_snapshot',
  /** The load caught up a cached aggregate: `mneme.load.events` counts only the events after it. */
  loadFromCache: 'mneme.load.from_cache',
  appendEvents: 'mneme.append.events',
  /** `no_stream`, `any`, `stream_exists` or the revision, as a string. */
  appendExpectedRevision: 'mneme.append.expected_revision',
  retryReason: 'mneme.retry.reason',
  retryAttempt: 'mneme.retry.attempt',
  retryDelayMs: 'mneme.retry.delay_ms',
  /** `load` or `append`. */
  storeOperation: 'mneme.store.operation',
  projectionName: 'mneme.projection.name',
  projectionOutcome: 'mneme.projection.outcome',
  projectionAttempt: 'mneme.projection.attempt',
  eventType: 'mneme.event.type',
  eventRevision: 'mneme.event.revision',
  /** The `code` of the Mneme error (or `DomainError` subclass) a span ended with. */
  errorCode: 'mneme.error.code',
} as const);

export const MNEME_METRICS = Object.freeze({
  commands: 'mneme.commands',
  commandDuration: 'mneme.command.duration',
  conflicts: 'mneme.command.conflicts',
  retries: 'mneme.command.retries',
  transientFaults: 'mneme.store.transient_faults',
  eventsAppended: 'mneme.events.appended',
  loadDuration: 'mneme.load.duration',
  projectionEvents: 'mneme.projection.events',
  projectionDuration: 'mneme.projection.duration',
} as const);

/** The event on the command span for each retry. */
export const RETRY_SPAN_EVENT = 'mneme.retry';

/**
 * How a command ended: `ok`; `rejected` by its handler (`DomainError`) or by the aggregate's
 * expected state (`AggregateNotFoundError`, `AggregateAlreadyExistsError`); `conflict-exhausted`
 * (`MaxRetriesExceededError`); `transient-exhausted` (`TransientRetriesExceededError`); `error`
 * for anything else.
 */
export type CommandOutcome = 'ok' | 'rejected' | 'conflict-exhausted' | 'transient-exhausted' | 'error';
