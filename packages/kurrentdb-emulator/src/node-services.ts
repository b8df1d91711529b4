/** The services one node serves, over a log shared by every node of a cluster (or the one node). */
import type { Server } from '@grpc/grpc-js';
import type { BugReporter } from './call-guard.js';
import type { FaultInjector } from './faults.js';
import type { InMemoryLog, LogReader } from './log.js';
import { multiStreamService } from './multi-stream-append.js';
import type { PersistentSubscriptionsService } from './persistent-subscriptions-service.js';
import { persistentGrpc, serverFeaturesGrpc, streamsGrpc, streamsV2Grpc } from './protocol.js';
import { getSupportedMethods, multiStreamFeatures } from './server-features.js';
import { streamsService } from './streams-service.js';

export interface NodeServicesContext {
  readonly log: InMemoryLog;
  /** What Streams/Read sees (default `log`). */
  readonly reader?: LogReader;
  readonly faults: FaultInjector;
  readonly maxAppendSize: number;
  readonly maxRecordSize: number;
  readonly serverVersion: string;
  readonly batchAppend: boolean;
  readonly persistentSubscriptions: PersistentSubscriptionsService;
  readonly reportBug: BugReporter;
}

export function addNodeServices(server: Server, context: NodeServicesContext): void {
  const { log, faults, maxAppendSize, maxRecordSize, serverVersion, reportBug } = context;
  server.addService(
    streamsGrpc.StreamsService,
    streamsService({ log, reader: context.reader, faults, maxAppendSize, reportBug }),
  );
  const v2 = multiStreamFeatures(serverVersion);
  if (v2.appendSession) {
    const v2Service = multiStreamService({ log, faults, maxAppendSize, maxRecordSize, reportBug });
    // A 25.x server has no AppendRecords: the client never calls it then (it checks the features first).
    server.addService(
      streamsV2Grpc.StreamsServiceService,
      v2.appendRecords ? v2Service : { appendSession: v2Service.appendSession },
    );
  }
  server.addService(persistentGrpc.PersistentSubscriptionsService, context.persistentSubscriptions.handlers);
  server.addService(serverFeaturesGrpc.ServerFeaturesService, {
    getSupportedMethods: getSupportedMethods({ serverVersion, batchAppend: context.batchAppend }),
  });
}
