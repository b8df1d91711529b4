import 'reflect-metadata';

export { EventType, getEventTypeMetadata, getEventClass, type EventTypeMetadata } from './event-type.js';
export { Upcast, getUpcasters, type Upcaster, type EventTypeOptions, type EventSchema } from './upcast.js';
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
export {
  checkSnapshotOptions,
  type SnapshotOptions,
  type EverySnapshotOptions,
  type WhenSnapshotOptions,
} from './snapshot-options.js';
export { AggregateId, getCommandMetadata, type CommandMetadata } from './aggregate-id.js';
export { classLineage } from './class-lineage.js';
export type { Class, AggregateClass } from './class-types.js';
export {
  Projection,
  On,
  getProjectionMetadataChain,
  type ProjectionOptions,
  type CompetingStrategy,
  type ConsumerModeOptions,
  type ProjectionSource,
  type ProjectionMetadata,
  type OnRecord,
  type OnOptions,
} from './projection.js';
export { ProcessManager, getProcessManagerOptions, type ProcessManagerOptions } from './process-manager.js';
export {
  Decides,
  getDeciderRecords,
  type AggregateRef,
  type AggregateRefs,
  type LoadedAggregates,
  type DecidedEvents,
  type DecidesOptions,
  type MethodDeciding,
  type DeciderRecord,
} from './decides.js';
