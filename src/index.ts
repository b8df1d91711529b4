import 'reflect-metadata';

// Errors
export { MnemeError, type MnemeErrorOptions } from './errors/mneme-error.js';
export { DomainError, type DomainErrorOptions } from './errors/domain-error.js';
export { ConcurrencyError } from './errors/concurrency-error.js';
export { MaxRetriesExceededError, HandlerNotFoundError, DuplicateHandlerError, InvalidAggregateIdError } from './errors/command-errors.js';
export { AggregateNotFoundError, AggregateAlreadyExistsError } from './errors/aggregate-errors.js';
export { UnknownEventTypeError, InvalidEventError, DuplicateEventTypeError } from './errors/event-errors.js';
export { InvalidExpectedRevisionError } from './errors/store-errors.js';

// Event stores
export {
  EventStore,
  type EventData,
  type RecordedEvent,
  type AppendOptions,
  type AppendResult,
  type ReadStreamOptions,
  type ReadDirection,
} from './store/event-store.js';
export { ANY, NO_STREAM, STREAM_EXISTS, type ExpectedRevision, type ActualRevision } from './store/expected-revision.js';
export { InMemoryEventStore } from './store/in-memory-event-store.js';
