/** An in-process KurrentDB speaking the gRPC wire protocol, for tests through the real client. */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { bugReporter } from './call-guard.js';
import { FaultInjector, type FaultSpec } from './faults.js';
import { InMemoryLog } from './log.js';
import { serverFeaturesGrpc, streamsGrpc, streamsV2Grpc } from './protocol.js';
import { multiStreamService } from './multi-stream-append.js';
import { recordRpcCalls } from './rpc-log.js';
import { getSupportedMethods, multiStreamFeatures } from './server-features.js';
import { seedSystemRecords } from './system-records.js';
import { streamsService } from './streams-service.js';

export interface KurrentEmulatorOptions {
  /** Advertise `streams/batchappend`, so the client appends through BatchAppend (default true, like a real server). */
  readonly batchAppend?: boolean;
  /** Bytes per append (sum of event sizes); default 1 MiB, as KurrentDB 24.10 (256 MiB from serverVersion 25.1). */
  readonly maxAppendSize?: number;
  /** Bytes per record of a v2 multi-stream append (MaxAppendEventSize); default 16 MiB, as KurrentDB 25.1+. */
  readonly maxAppendEventSize?: number;
  /**
   * Reported by ServerFeatures; must be digits and dots (default "24.10.0"). From "25.1" the v2
   * StreamsService/AppendSession (multiStreamAppend) is offered, from "26.1" AppendRecords (appendRecords with checks).
   */
  readonly serverVersion?: string;
}

export interface KurrentEmulator {
  /** `kurrentdb://127.0.0.1:<port>?tls=false&discoveryInterval=1` */
  readonly connectionString: string;
  readonly port: number;
  /** Path of every call received, in order, e.g. `/event_store.client.streams.Streams/Read`. */
  readonly rpcLog: readonly string[];
  /** Paths that were called but are not implemented; they were answered UNIMPLEMENTED. */
  readonly unimplementedCalls: readonly string[];
  /** Exceptions thrown by the emulator's own handlers (each also failed its call with INTERNAL). */
  readonly handlerErrors: readonly Error[];
  /** Faults injected but not yet triggered. */
  readonly pendingFaults: number;
  /** Make the next matching calls fail; see {@link FaultSpec}. Specs are consumed in order. */
  injectFaults(...faults: readonly FaultSpec[]): void;
  clearFaults(): void;
  clearRpcLog(): void;
  /** Stops the server, cancelling open calls (live subscriptions included). */
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const HOST = '127.0.0.1';

export async function startKurrentEmulator(options: KurrentEmulatorOptions = {}): Promise<KurrentEmulator> {
  const serverVersion = options.serverVersion ?? '24.10.0';
  if (!/^\d+(\.\d+)*$/.test(serverVersion)) {
    throw new RangeError(`serverVersion must be digits and dots (the Rust client rejects anything else): "${serverVersion}"`);
  }
  const v2 = multiStreamFeatures(serverVersion);
  // KurrentDB 25.1 raised MaxAppendSize from 1 MiB to 256 MiB and added MaxAppendEventSize (16 MiB).
  const maxAppendSize = options.maxAppendSize ?? (v2.appendSession ? 256 * MiB : MiB);
  const maxRecordSize = options.maxAppendEventSize ?? 16 * MiB;
  const rpcLog: string[] = [];
  const unimplementedCalls: string[] = [];
  const handlerErrors: Error[] = [];
  let port = 0;
  const faults = new FaultInjector(() => ({ host: HOST, port }));

  const server = new Server({
    // The client accepts 17 MiB messages; accept at least as much.
    'grpc.max_receive_message_length': 32 * MiB,
    'grpc.max_send_message_length': 32 * MiB,
  });
  recordRpcCalls(server, (path, implemented) => {
    rpcLog.push(path);
    if (!implemented) unimplementedCalls.push(path);
  });
  const log = new InMemoryLog();
  seedSystemRecords(log);
  server.addService(
    streamsGrpc.StreamsService,
    streamsService({ log, faults, maxAppendSize, reportBug: bugReporter(handlerErrors) }),
  );
  if (v2.appendSession) {
    const v2Service = multiStreamService({ log, faults, maxAppendSize, maxRecordSize, reportBug: bugReporter(handlerErrors) });
    // A 25.x server has no AppendRecords: the client never calls it then (it checks the features first).
    server.addService(streamsV2Grpc.StreamsServiceService, v2.appendRecords ? v2Service : { appendSession: v2Service.appendSession });
  }
  server.addService(serverFeaturesGrpc.ServerFeaturesService, {
    getSupportedMethods: getSupportedMethods({ serverVersion, batchAppend: options.batchAppend ?? true }),
  });

  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  let closed: Promise<void> | undefined;
  return {
    connectionString: `kurrentdb://${HOST}:${port}?tls=false&discoveryInterval=1`,
    port,
    rpcLog,
    unimplementedCalls,
    handlerErrors,
    get pendingFaults() {
      return faults.pending;
    },
    injectFaults: (...specs) => specs.forEach((spec) => faults.inject(spec)),
    clearFaults: () => faults.clear(),
    clearRpcLog: () => {
      rpcLog.length = 0;
      unimplementedCalls.length = 0;
    },
    close: () => {
      // forceShutdown cancels live subscriptions; tryShutdown would wait for them forever.
      closed ??= new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      });
      return closed;
    },
  };
}
