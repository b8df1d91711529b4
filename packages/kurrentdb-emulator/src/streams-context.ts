import type { IStreamsServer } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';
import type { BugReporter } from './call-guard.js';
import type { FaultInjector } from './faults.js';
import type { InMemoryLog, LogReader } from './log.js';

/** What the Streams service's handlers share. */
export interface StreamsContext {
  readonly log: InMemoryLog;
  readonly faults: FaultInjector;
  readonly maxAppendSize: number;
  /** What reads see (default `log`): a lagging follower's older view. Subscriptions follow `log`. */
  readonly reader?: LogReader;
  readonly reportBug: BugReporter;
}

/** The generated server interface: read, append, batchAppend, delete, tombstone. */
export type StreamsHandlers = IStreamsServer;
