import 'reflect-metadata';

// Errors
export { MnemeError, type MnemeErrorOptions } from './errors/mneme-error.js';
export { DomainError, type DomainErrorOptions } from './errors/domain-error.js';
export { ConcurrencyError } from './errors/concurrency-error.js';
export { MaxRetriesExceededError, HandlerNotFoundError, DuplicateHandlerError, InvalidAggregateIdError } from './errors/command-errors.js';
export { AggregateNotFoundError, AggregateAlreadyExistsError } from './errors/aggregate-errors.js';
export { UnknownEventTypeError, InvalidEventError, DuplicateEventTypeError } from './errors/event-errors.js';
export {
  InvalidExpectedRevisionError,
  InvalidStreamNameError,
  EventStoreError,
  EventStoreUnavailableError,
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
} from './store/event-store.js';
export { comparePositions, positionToJSON, positionFromJSON, type GlobalPosition } from './store/global-position.js';
export { InvalidReadAllOptionsError } from './errors/read-all-errors.js';
export { ANY, NO_STREAM, STREAM_EXISTS, type ExpectedRevision, type ActualRevision } from './store/expected-revision.js';
export { InMemoryEventStore } from './store/in-memory-event-store.js';
export {
  KurrentEventStore,
  DEFAULT_READ_PAGE_SIZE,
  createKurrentEventStore,
  CONNECTION_STRING_VARIABLE,
  redactConnectionString,
  type KurrentEventStoreOptions,
  type KurrentEventStoreConfig,
} from './kurrent/index.js';
export { InvalidAggregateError } from './errors/aggregate-errors.js';
export { InvalidConfigurationError } from './errors/configuration-error.js';

// Decorators (also from 'mneme/decorators')
export { EventType, Aggregate, AggregateId, Handles, Apply } from '../decorators/index.js';
export type { AggregateOptions, HandlesOptions, ExpectedAggregateState, Class, AggregateClass } from '../decorators/index.js';

// Aggregates
export { AggregateRoot } from './aggregate/aggregate-root.js';
export { AggregateRepository, type SaveOptions, type SaveResult } from './aggregate/aggregate-repository.js';

// Commands
export { CommandBus, type ExecuteOptions } from './commands/command-bus.js';
export { CommandInterceptor, type CommandContext, type CommandResult } from './commands/command-interceptor.js';
export { ConcurrencyRetryInterceptor } from './commands/concurrency-retry-interceptor.js';
export { StreamQueueInterceptor } from './commands/stream-queue-interceptor.js';
export { DEFAULT_RETRY_POLICY, backoffDelayMs, type RetryOptions, type RetryPolicy } from './commands/retry-policy.js';
export { execute, type Command, type AggregateState, type ExecuteConfig, type ExecuteResult } from './commands/execute.js';

// Events
export { serializeEvent, deserializeEvent, eventTypeOf } from './events/event-serializer.js';

// Projections
export { Projection, On } from '../decorators/index.js';
export type { ProjectionOptions, ProjectionSource } from '../decorators/index.js';
export { ProjectionRunner, type ProjectionRunnerConfig, type ProjectionStatus, type ProjectionRunnerEvents } from './projections/projection-runner.js';
export type { ProjectionRunnerOptions } from './projections/projection-options.js';
export type { ProjectionState } from './projections/projection-worker.js';
export { CheckpointStore, EventStoreCheckpointStore, InMemoryCheckpointStore, CHECKPOINT_STREAM_PREFIX, CHECKPOINT_EVENT_TYPE } from './projections/checkpoint-store.js';
export { InvalidProjectionError, ProjectionFailedError, ProjectionRunnerNotRunningError, InvalidCheckpointError } from './errors/projection-errors.js';

// Logging
export { Logger, SilentLogger, type LogFields } from './logging/logger.js';

// Dependency injection
export { mnemeModule, type MnemeModuleOptions, type EventStoreOption } from './container/mneme-module.js';
