/**
 * Keys of the metadata records the decorators write. `Symbol.for` so that every copy of Mneme in
 * one process reads the same records.
 */
export const EVENT_TYPE_KEY = Symbol.for('mneme:event-type');
export const AGGREGATE_KEY = Symbol.for('mneme:aggregate');
export const COMMAND_KEY = Symbol.for('mneme:command');
export const EVENT_TYPE_REGISTRY_KEY = Symbol.for('mneme:event-type-registry');
export const PROJECTION_KEY = Symbol.for('mneme:projection');
export const PROCESS_MANAGER_KEY = Symbol.for('mneme:process-manager');
export const DECIDER_KEY = Symbol.for('mneme:decider');
