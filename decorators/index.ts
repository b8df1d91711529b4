import 'reflect-metadata';

export { EventType, getEventTypeMetadata, getEventClass, type EventTypeMetadata } from './event-type.js';
export {
  Aggregate,
  Handles,
  Apply,
  getAggregateMetadataChain,
  type AggregateOptions,
  type HandlesOptions,
  type ExpectedAggregateState,
  type AggregateMetadata,
  type HandlerRecord,
  type ApplierRecord,
} from './aggregate.js';
export { AggregateId, getCommandMetadata, type CommandMetadata } from './aggregate-id.js';
export { classLineage, type Class, type AggregateClass } from './class-types.js';
export {
  Projection,
  On,
  getProjectionMetadataChain,
  type ProjectionOptions,
  type ProjectionSource,
  type ProjectionMetadata,
  type OnRecord,
} from './projection.js';
