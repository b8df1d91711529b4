import 'reflect-metadata';

// Errors
export { MnemeError, type MnemeErrorOptions } from './errors/mneme-error.js';
export type { MnemeErrorCode } from './errors/error-codes.js';
export { DomainError, type DomainErrorOptions } from './errors/command-errors.js';
export { ConcurrencyError } from './errors/command-errors.js';
export {
  MaxRetriesExceededError,
  TransientRetriesExceededError,
  CommandTimeoutError,
  HandlerNotFoundError,
  DuplicateHandlerError,
  InvalidAggregateIdError,
  CommandOutsideWindowError,
} from './errors/command-errors.js';
export { AggregateNotFoundError, AggregateAlreadyExistsError } from './errors/aggregate-errors.js';
export {
  UnknownEventTypeError,
  InvalidEventError,
  DuplicateEventTypeError,
  EventDeserializationError,
} from './errors/event-errors.js';
export { InvalidEventSchemaError } from './errors/decorator-errors.js';
export { SnapshotStateError, UnreadableSnapshotError } from './errors/snapshot-errors.js';
export { InvalidDecoratorError } from './errors/decorator-errors.js';
export { InvalidCommandError } from './errors/command-errors.js';
export { StateNotCopyableError } from './errors/aggregate-errors.js';
export {
  InvalidExpectedRevisionError,
  InvalidStreamNameError,
  EventStoreError,
  EventStoreUnavailableError,
  EventStoreTimeoutError,
  EventTooLargeError,
  StreamDeletedError,
  InvalidConnectionStringError,
  type StoreOperation,
} from './errors/store-errors.js';

// Event stores
export {
  EventStore,
  type EventData,
  type RecordedEvent,
  type AppendOptions,
  type AppendResult,
  type ReadStreamOptions,
  type ReadDirection,
  type PositionedEvent,
  type AllFilter,
  type ReadAllOptions,
  type SubscribeToAllOptions,
  type StreamAppendRequest,
  type StreamCheck,
  type AppendToStreamsOptions,
  type AppendToStreamsResult,
} from './store/event-store.js';
export { appendToStreams } from './store/append-to-streams.js';
export {
  MultiStreamConcurrencyError,
  InvalidMultiStreamAppendError,
  MultiStreamAppendUnsupportedError,
  type StreamConflict,
  type MultiStreamCapability,
} from './errors/multi-stream-errors.js';
export { InvalidDeciderError, InvalidDecisionAggregatesError, InvalidDecisionError } from './errors/decision-errors.js';
export { comparePositions, positionToJSON, positionFromJSON, type GlobalPosition } from './store/global-position.js';
export { InvalidReadAllOptionsError, InvalidReadOptionsError } from './errors/store-errors.js';
export {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  type ExpectedRevision,
  type ActualRevision,
} from './store/expected-revision.js';
export { InMemoryEventStore, type InMemoryEventStoreOptions } from './store/in-memory-event-store.js';

// Persistent subscriptions (consumer groups the store keeps)
export {
  ALL_STREAM,
  CONSUMER_STRATEGIES,
  DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS,
  checkpointStreamName,
  parkedStreamName,
  persistentSubscriptionsOf,
  type ConsumerStrategy,
  type CreateGroupOptions,
  type NackAction,
  type PersistentConsumerInfo,
  type PersistentMessage,
  type PersistentStartFrom,
  type PersistentSubscription,
  type PersistentSubscriptionInfo,
  type PersistentSubscriptionSettings,
  type PersistentSubscriptions,
  type ReplayParkedOptions,
  type SubscribeToGroupOptions,
  type WithPersistentSubscriptions,
} from './store/persistent-subscriptions.js';
export {
  InvalidPersistentSubscriptionSettingsError,
  PersistentSubscriptionDroppedError,
  PersistentSubscriptionExistsError,
  PersistentSubscriptionMaxSubscribersError,
  PersistentSubscriptionNotFoundError,
  type PersistentSubscriptionDropReason,
} from './errors/persistent-subscription-errors.js';
/**
 * @deprecated Import from 'mneme/kurrent'; these re-exports go in 0.2. They load no Kurrent client:
 * src/kurrent loads `@kurrent/kurrentdb-client` on first use.
 */
export {
  KurrentEventStore,
  createKurrentEventStore,
  CONNECTION_STRING_VARIABLE,
  type KurrentEventStoreOptions,
  type KurrentConnection,
} from './kurrent/index.js';
export { InvalidAggregateError } from './errors/aggregate-errors.js';
export { InvalidConfigurationError } from './errors/configuration-error.js';

// Decorators: the annotation vocabulary (the registry that reads them stays internal)
export { EventType, Aggregate, AggregateId, Handles, Apply, Upcast, Decides } from '../decorators/index.js';
export type {
  DecidesOptions,
  AggregateRef,
  AggregateRefs,
  LoadedAggregates,
  DecidedEvents,
  AggregateOptions,
  HandlesOptions,
  ExpectedAggregateState,
  Class,
  AggregateClass,
  EventTypeOptions,
  Upcaster,
  SnapshotOptions,
  EverySnapshotOptions,
  WhenSnapshotOptions,
} from '../decorators/index.js';

// Aggregates
export { AggregateRoot } from './aggregate/aggregate-root.js';
export {
  AggregateRepository,
  type SaveOptions,
  type SaveResult,
  type AggregateRepositoryOptions,
  type StoredCommandEvents,
} from './repository/aggregate-repository.js';
export { type AggregateCacheOption } from './repository/aggregate-cache.js';

// Snapshots
export { SnapshotStore, type Snapshot, type StoredSnapshot } from './snapshots/snapshot-store.js';
export { snapshotStreamName, SNAPSHOT_EVENT_TYPE, SNAPSHOTS_KEPT } from './snapshots/snapshot-stream.js';

// Commands
export { CommandBus, type CommandBusOptions } from './commands/command-bus.js';
export { type CommandOptions } from './commands/command-options.js';
export {
  MNEME_EVENT_ID_NAMESPACE,
  COMMAND_ID_KEY,
  CORRELATION_ID_KEY,
  CAUSATION_ID_KEY,
  eventIdFor,
} from './repository/command-stamp.js';
export { COMMAND_WINDOW } from './aggregate/command-window.js';
export {
  CommandInterceptor,
  type CommandContext,
  type CommandResult,
  type CommandStream,
  type StreamOutcome,
} from './commands/command-interceptor.js';
export { decisionEventIdFor } from './repository/decision-save.js';
export type { CommandEventMap, EventsOf, KnownCommand } from './commands/command-types.js';
export { ConcurrencyRetryInterceptor } from './commands/concurrency-retry-interceptor.js';
export { StreamQueueInterceptor } from './commands/stream-queue-interceptor.js';
export {
  DEFAULT_RETRY_POLICY,
  DEFAULT_TRANSIENT_RETRY_POLICY,
  MAX_DELAY_MS,
  type RetryOptions,
  type RetryPolicy,
  type BackoffOptions,
  type BackoffPolicy,
  type RetryNotice,
  type RetryReason,
} from './commands/retry-policy.js';
export {
  execute,
  type Command,
  type AggregateState,
  type ExecuteConfig,
  type ExecuteContext,
  type ExecuteResult,
} from './commands/execute.js';

// Reading stored events yourself (readStream, readAll): a recorded event as an instance of its class, upcast
export { deserializeEvent } from './events/event-serializer.js';

// Projections
export { Projection, On } from '../decorators/index.js';
export type {
  CompetingStrategy,
  ConsumerModeOptions,
  ProjectionOptions,
  ProjectionSource,
} from '../decorators/index.js';
export {
  ProjectionRunner,
  type ProjectionRunnerConfig,
  type ProjectionStatus,
  type ProjectionRunnerEvents,
  type ProjectionStopReport,
} from './projections/projection-runner.js';
export type { AbandonedWork } from './projections/projection-worker.js';
export type { ProjectionRunnerOptions } from './projections/projection-options.js';
export type { ProjectionState } from './projections/projection-worker.js';
export type { ParkedEvent } from './projections/competing-worker.js';
export {
  CheckpointStore,
  EventStoreCheckpointStore,
  InMemoryCheckpointStore,
  CHECKPOINT_STREAM_PREFIX,
  CHECKPOINT_EVENT_TYPE,
} from './projections/checkpoint-store.js';
export {
  InvalidProjectionError,
  ProjectionFailedError,
  ProjectionRunnerNotRunningError,
  InvalidCheckpointError,
  ProjectionTimeoutError,
  CheckpointAheadOfLogError,
  CompetingConsumersUnsupportedError,
  ProjectionNotCompetingError,
  type ProjectionTimeoutOperation,
} from './errors/projection-errors.js';

// Process managers
export { ProcessManager } from '../decorators/index.js';
export type { ProcessManagerOptions, OnOptions } from '../decorators/index.js';
export { ProcessManagerRoot, type SendOptions, type ScheduleAt } from './process-managers/process-manager-root.js';
export { CommandRejected } from './process-managers/process-events.js';
export type { ProcessEnvelope } from './process-managers/process-manager-engine.js';
export type { Clock } from './process-managers/clock.js';
export { InvalidProcessManagerError } from './errors/process-manager-errors.js';

// Logging
export { Logger, SilentLogger, type LogFields } from './logging/logger.js';
export { pinoLogger, type PinoLike } from './logging/logger-adapters.js';

// Observability (OpenTelemetry)
export { MnemeTelemetry } from './telemetry/mneme-telemetry.js';
export type { TelemetryOptions } from './telemetry/telemetry-options.js';
export { MNEME_SPANS, MNEME_ATTRIBUTES, MNEME_METRICS, type CommandOutcome } from './telemetry/telemetry-names.js';

// Dependency injection
export { mnemeModule, type MnemeModuleOptions, type EventStoreOption } from './container/mneme-module.js';
export { createMnemeContainer, type MnemeContainer, type MnemeToken } from './container/create-mneme-container.js';
