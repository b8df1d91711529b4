/** An in-process KurrentDB speaking the gRPC wire protocol, for tests through the real client. */
import { Server } from '@grpc/grpc-js';
import { ActiveCalls } from './active-calls.js';
import { bugReporter } from './call-guard.js';
import { hostPort } from './emulator-errors.js';
import { bind, drain, isLongLived, reachableHost } from './node-server.js';
import { checkEmulatorOptions } from './emulator-options.js';
import { FaultInjector, type FaultSpec } from './faults.js';
import { InMemoryLog } from './log.js';
import { LogFile } from './log-file.js';
import { addNodeServices } from './node-services.js';
import { persistentSubscriptionsService } from './persistent-subscriptions-service.js';
import { recordRpcCalls } from './rpc-log.js';
import { multiStreamFeatures } from './server-features.js';
import { seedSystemRecords } from './system-records.js';

export interface KurrentEmulatorOptions {
  /** The address to listen on (default 127.0.0.1); an IPv6 address bare or in brackets. */
  readonly host?: string;
  /** The port to listen on; 0 (the default) picks a free one, reported as `port`. */
  readonly port?: number;
  /**
   * Keep the log in this directory (created if missing) across restarts: every commit is appended to
   * a file and fsynced before it is answered; on start the file is read back and a torn last commit
   * dropped. Without it the log lives in memory only. One emulator per directory (it is locked).
   */
  readonly dataDir?: string;
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
  /**
   * `kurrentdb://<host>:<port>?tls=false&discoveryInterval=1`, for the address it listens on (its
   * loopback address when it listens on every interface: 0.0.0.0 or ::).
   */
  readonly connectionString: string;
  /** The host it listens on, as given (brackets of an IPv6 address removed). */
  readonly host: string;
  /** The port it listens on: the one asked for, or the free one picked for port 0. */
  readonly port: number;
  /** With `dataDir`: what was read back from it on start. */
  readonly recovery: KurrentEmulatorRecovery | undefined;
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
  /**
   * Stops the server. By default at once, cancelling open calls (live subscriptions included). With
   * `drainMs`, as a server shutting down: it takes no new calls, lets those being answered finish
   * (waiting at most `drainMs`), then cancels the long-lived ones (subscriptions, BatchAppend streams).
   */
  close(options?: KurrentEmulatorCloseOptions): Promise<void>;
}

export interface KurrentEmulatorRecovery {
  /** Commits read back from the data directory (0 for a new one). */
  readonly commits: number;
  /** Records in them, system records included. */
  readonly records: number;
  /** Bytes of a torn last commit that were dropped (0 when the file ended cleanly). */
  readonly droppedBytes: number;
}

export interface KurrentEmulatorCloseOptions {
  /** Let the calls being answered finish first, waiting at most this long (default 0: cancel them). */
  readonly drainMs?: number;
}

const MiB = 1024 * 1024;
const DEFAULT_HOST = '127.0.0.1';

/**
 * Starts the emulator on `host:port` (default 127.0.0.1 and a free port). Bad options are an
 * `InvalidEmulatorOptionError`, a taken address an `EmulatorAddressInUseError`; nothing listens then.
 */
export async function startKurrentEmulatorNode(options: KurrentEmulatorOptions = {}): Promise<KurrentEmulator> {
  checkEmulatorOptions(options);
  const host = (options.host ?? DEFAULT_HOST).replace(/^\[(.*)\]$/, '$1');
  const serverVersion = options.serverVersion ?? '24.10.0';
  const v2 = multiStreamFeatures(serverVersion);
  // KurrentDB 25.1 raised MaxAppendSize from 1 MiB to 256 MiB and added MaxAppendEventSize (16 MiB).
  const maxAppendSize = options.maxAppendSize ?? (v2.appendSession ? 256 * MiB : MiB);
  const maxRecordSize = options.maxAppendEventSize ?? 16 * MiB;
  const rpcLog: string[] = [];
  const unimplementedCalls: string[] = [];
  const handlerErrors: Error[] = [];
  let port = options.port ?? 0;
  const faults = new FaultInjector(() => ({ host, port }));

  const calls = new ActiveCalls(isLongLived);
  const server = new Server({
    interceptors: [calls.interceptor],
    // The client accepts 17 MiB messages; accept at least as much.
    'grpc.max_receive_message_length': 32 * MiB,
    'grpc.max_send_message_length': 32 * MiB,
  });
  recordRpcCalls(server, (path, implemented) => {
    rpcLog.push(path);
    if (!implemented) unimplementedCalls.push(path);
  });
  const opened = options.dataDir === undefined ? undefined : LogFile.open(options.dataDir);
  const log = new InMemoryLog(opened?.file);
  if (opened && opened.recovery.commits > 0) log.restore(opened.recovery.records);
  else seedSystemRecords(log);
  const persistentSubscriptions = persistentSubscriptionsService({ log, reportBug: bugReporter(handlerErrors) });
  addNodeServices(server, {
    log,
    faults,
    maxAppendSize,
    maxRecordSize,
    serverVersion,
    batchAppend: options.batchAppend ?? true,
    persistentSubscriptions,
    reportBug: bugReporter(handlerErrors),
  });

  try {
    port = await bind(server, host, port);
  } catch (error) {
    opened?.file.close();
    throw error;
  }
  const closeFile = () => opened?.file.close();

  let closed: Promise<void> | undefined;
  return {
    connectionString: `kurrentdb://${hostPort(reachableHost(host), port)}?tls=false&discoveryInterval=1`,
    host,
    port,
    recovery: opened && {
      commits: opened.recovery.commits,
      records: opened.recovery.records.length,
      droppedBytes: opened.recovery.droppedBytes,
    },
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
    close: ({ drainMs = 0 } = {}) => {
      // The groups' clock stops first; forceShutdown (or the drain) ends their live consumers.
      persistentSubscriptions.close();
      closed ??= (drainMs > 0 ? drain(server, calls, drainMs) : Promise.resolve(server.forceShutdown())).then(
        closeFile,
      );
      return closed;
    },
  };
}
