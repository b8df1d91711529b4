/** `mneme/kurrent`: the EventStore on KurrentDB. `@kurrent/kurrentdb-client` loads when a store is first made. */
export { KurrentEventStore, DEFAULT_DEADLINE_MS, type KurrentEventStoreOptions } from './kurrent-event-store.js';
export { createKurrentEventStore, type KurrentConnection } from './create-kurrent-event-store.js';
export { CONNECTION_STRING_VARIABLE } from './kurrent-connection.js';
export { redactConnectionString } from './redaction.js';
