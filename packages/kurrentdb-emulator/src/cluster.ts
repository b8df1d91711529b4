/**
 * A KurrentDB cluster in one process: nodes on their own ports over one log, one of them the leader.
 * Each node answers gossip (members, states, addresses) the way the client's discovery expects;
 * followers refuse writes with the server's not-leader error; `failLeader()` makes the leader stop
 * answering, and a follower is elected after `electionDelayMs`.
 */
import { randomUUID } from 'node:crypto';
import { Server, status } from '@grpc/grpc-js';
import { ActiveCalls } from './active-calls.js';
import { bugReporter } from './call-guard.js';
import { clusterGate, type NodeRole } from './cluster-gate.js';
import { CLUSTER_OPTION_RULES, checkEmulatorOptions } from './emulator-options.js';
import { EmulatorNoLeaderError, InvalidEmulatorOptionError, hostPort } from './emulator-errors.js';
import type { KurrentEmulatorCloseOptions, KurrentEmulatorOptions } from './emulator.js';
import { bind, drain, isLongLived, reachableHost } from './node-server.js';
import { FaultInjector, type FaultSpec } from './faults.js';
import { gossipRead, type GossipMember } from './gossip-service.js';
import { laggedReader } from './lagged-log.js';
import { InMemoryLog, type LogReader } from './log.js';
import { addNodeServices } from './node-services.js';
import { persistentSubscriptionsService } from './persistent-subscriptions-service.js';
import { gossipGrpc } from './protocol.js';
import { recordRpcCalls } from './rpc-log.js';
import { multiStreamFeatures } from './server-features.js';
import { seedSystemRecords } from './system-records.js';

export interface KurrentEmulatorClusterOptions extends Omit<KurrentEmulatorOptions, 'dataDir'> {
  /** How many nodes (1 to 9); node 0 starts as the leader. */
  readonly nodes: number;
  /**
   * The first node's port; the others take the next ones. 0 (the default) picks a free port for
   * each node.
   */
  readonly port?: number;
  /** How long after `failLeader()` a follower becomes the leader (default 500 ms). */
  readonly electionDelayMs?: number;
  /** How long after `failLeader()` the failed node rejoins as a follower (default 2000 ms; `rejoin()` at once). */
  readonly rejoinDelayMs?: number;
  /**
   * How far behind the leader a follower's reads are: a follower serves what was committed at least
   * this long ago (default 0: followers read the leader's log as it is).
   */
  readonly followerLagMs?: number;
}

export type KurrentEmulatorNodeState = 'leader' | 'follower' | 'down';

export interface KurrentEmulatorNode {
  /** Its place in `cluster.nodes`. */
  readonly index: number;
  /** Its instance id, as gossip reports it. */
  readonly instanceId: string;
  readonly host: string;
  readonly port: number;
  readonly state: KurrentEmulatorNodeState;
  /** A single-host connection string for this node alone (no discovery). */
  readonly connectionString: string;
  /** Path of every call this node received, in order. */
  readonly rpcLog: readonly string[];
}

export interface KurrentEmulatorCluster {
  /** `kurrentdb://h:p1,h:p2,h:p3?tls=false&…`: the client asks the nodes' gossip for the leader. */
  readonly connectionString: string;
  /** `kurrentdb+discover://h:p1?tls=false&…`: discovery through the first node's gossip. */
  readonly discoverConnectionString: string;
  readonly nodes: readonly KurrentEmulatorNode[];
  /** The node that is the leader now; undefined during an election. */
  readonly leader: KurrentEmulatorNode | undefined;
  /** Exceptions thrown by the emulator's own handlers, on any node. */
  readonly handlerErrors: readonly Error[];
  /** Faults injected but not yet triggered. */
  readonly pendingFaults: number;
  /** Make the next matching calls fail, on whichever node answers them; see {@link FaultSpec}. */
  injectFaults(...faults: readonly FaultSpec[]): void;
  clearFaults(): void;
  clearRpcLogs(): void;
  /**
   * The leader goes down: its open calls end with UNAVAILABLE, its connections close and it listens
   * no more (gossip included). After `electionDelayMs` the next follower is elected; after
   * `rejoinDelayMs` the failed node rejoins as a follower. Returns the failed node;
   * `EmulatorNoLeaderError` while there is no leader.
   */
  failLeader(): KurrentEmulatorNode;
  /** Resolves with the leader, once there is one (at once when there is). */
  whenLeaderElected(): Promise<KurrentEmulatorNode>;
  /** Brings every node that is down back on its port as a follower now; resolves once they listen. */
  rejoin(): Promise<void>;
  /** Stops every node (see `KurrentEmulator.close` for `drainMs`). */
  close(options?: KurrentEmulatorCloseOptions): Promise<void>;
}

interface NodeState {
  readonly index: number;
  readonly instanceId: string;
  port: number;
  state: KurrentEmulatorNodeState;
  readonly rpcLog: string[];
  calls: ActiveCalls;
  server: Server;
}

const MiB = 1024 * 1024;
const DEFAULT_HOST = '127.0.0.1';

/**
 * Starts `nodes` nodes sharing one log, node 0 the leader. Bad options are an
 * `InvalidEmulatorOptionError`, a taken address an `EmulatorAddressInUseError`; nothing listens then.
 */
export async function startKurrentEmulatorCluster(
  options: KurrentEmulatorClusterOptions,
): Promise<KurrentEmulatorCluster> {
  if (typeof options === 'object' && options !== null && 'dataDir' in options) {
    throw new InvalidEmulatorOptionError('dataDir', 'a cluster keeps its log in memory; dataDir is for a single node');
  }
  checkEmulatorOptions(options, CLUSTER_OPTION_RULES);
  const host = (options.host ?? DEFAULT_HOST).replace(/^\[(.*)\]$/, '$1');
  const address = reachableHost(host);
  const serverVersion = options.serverVersion ?? '24.10.0';
  const v2 = multiStreamFeatures(serverVersion);
  const maxAppendSize = options.maxAppendSize ?? (v2.appendSession ? 256 * MiB : MiB);
  const maxRecordSize = options.maxAppendEventSize ?? 16 * MiB;
  const electionDelayMs = options.electionDelayMs ?? 500;
  const rejoinDelayMs = options.rejoinDelayMs ?? 2000;
  const followerLagMs = options.followerLagMs ?? 0;
  const handlerErrors: Error[] = [];
  const reportBug = bugReporter(handlerErrors);

  const log = new InMemoryLog();
  seedSystemRecords(log);
  const persistentSubscriptions = persistentSubscriptionsService({ log, reportBug });
  const lagged = laggedReader(log, followerLagMs);
  /** The leader reads the log as it is; a follower (or a leader just demoted) the lagged view. */
  const leaderOrLagged = (isLeader: () => boolean): LogReader => ({
    get all() {
      return isLeader() ? log.all : lagged.all;
    },
    streamView: (stream) => (isLeader() ? log : lagged).streamView(stream),
  });
  const nodes: NodeState[] = [];
  const leaderNode = () => nodes.find((node) => node.state === 'leader');
  const faults = new FaultInjector(() => {
    const leader = leaderNode() ?? nodes[0]!;
    return { host: address, port: leader.port };
  });
  const roleOf = (node: NodeState): NodeRole => {
    if (node.state !== 'follower') return { kind: node.state };
    const leader = leaderNode();
    return { kind: 'follower', leader: leader && { host: address, port: leader.port } };
  };
  const members = (): GossipMember[] =>
    nodes.map((node) => ({
      instanceId: node.instanceId,
      state: node.state === 'leader' ? 'leader' : 'follower',
      alive: node.state !== 'down',
      host: address,
      port: node.port,
    }));

  /** A node's gRPC server; a new one each time the node comes back, as a restarted process. */
  const serve = (node: NodeState): void => {
    const calls = new ActiveCalls(isLongLived);
    // The gate is the outer interceptor: what it refuses still ends through ActiveCalls.
    const server = new Server({
      interceptors: [calls.interceptor, clusterGate(() => roleOf(node))],
      'grpc.max_receive_message_length': 32 * MiB,
      'grpc.max_send_message_length': 32 * MiB,
    });
    recordRpcCalls(server, (path) => node.rpcLog.push(path));
    addNodeServices(server, {
      log,
      reader: followerLagMs > 0 ? leaderOrLagged(() => node.state === 'leader') : undefined,
      faults,
      maxAppendSize,
      maxRecordSize,
      serverVersion,
      batchAppend: options.batchAppend ?? true,
      persistentSubscriptions,
      reportBug,
    });
    server.addService(gossipGrpc.GossipService, { read: gossipRead(members) });
    node.server = server;
    node.calls = calls;
  };
  for (let index = 0; index < options.nodes; index++) {
    const node = {
      index,
      instanceId: randomUUID(),
      port: 0,
      state: index === 0 ? 'leader' : 'follower',
      rpcLog: [],
    } as Omit<NodeState, 'server' | 'calls'> as NodeState;
    serve(node);
    nodes.push(node);
  }

  try {
    for (const node of nodes) {
      const wanted = options.port ? options.port + node.index : 0;
      node.port = await bind(node.server, host, wanted);
    }
  } catch (error) {
    for (const node of nodes) node.server.forceShutdown();
    persistentSubscriptions.close();
    throw error;
  }

  let closed: Promise<void> | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  const electionWaiters: Array<(node: KurrentEmulatorNode) => void> = [];
  const elect = () => {
    if (leaderNode()) return;
    const next = nodes.find((node) => node.state === 'follower');
    if (!next) return;
    next.state = 'leader';
    for (const waiter of electionWaiters.splice(0)) waiter(view(next));
  };
  /** A failed node comes back on its port, as a follower; its gossip and calls answer again. */
  const restart = async (node: NodeState): Promise<void> => {
    if (node.state !== 'down' || closed) return;
    serve(node);
    await bind(node.server, host, node.port);
    // Closed while it was binding: it must not outlive the cluster.
    if (closed) return void node.server.forceShutdown();
    node.state = 'follower';
    // A cluster whose every node was down has no one to elect until they come back.
    if (!leaderNode()) later(electionDelayMs, elect);
  };
  const rejoin = async () => {
    await Promise.all(nodes.map(restart));
  };

  const view = (node: NodeState): KurrentEmulatorNode => ({
    index: node.index,
    instanceId: node.instanceId,
    host: address,
    port: node.port,
    get state() {
      return node.state;
    },
    connectionString: `kurrentdb://${hostPort(address, node.port)}?tls=false&discoveryInterval=1`,
    rpcLog: node.rpcLog,
  });
  const views = nodes.map(view);
  const hosts = nodes.map((node) => hostPort(address, node.port)).join(',');

  return {
    connectionString: `kurrentdb://${hosts}?tls=false&discoveryInterval=1`,
    discoverConnectionString: `kurrentdb+discover://${hostPort(address, nodes[0]!.port)}?tls=false&discoveryInterval=1`,
    nodes: views,
    get leader() {
      const leader = leaderNode();
      return leader && views[leader.index];
    },
    handlerErrors,
    get pendingFaults() {
      return faults.pending;
    },
    injectFaults: (...specs) => specs.forEach((spec) => faults.inject(spec)),
    clearFaults: () => faults.clear(),
    clearRpcLogs: () => nodes.forEach((node) => (node.rpcLog.length = 0)),
    failLeader: () => {
      const leader = leaderNode();
      if (!leader) throw new EmulatorNoLeaderError(nodes.filter((node) => node.state === 'down').length);
      leader.state = 'down';
      // As a crashed node: whatever was open is cut, replies not yet sent are lost, and its
      // connections close (the clients see them go and discover the cluster again).
      leader.calls.endAll({ code: status.UNAVAILABLE, details: 'The node is not answering.' });
      leader.server.forceShutdown();
      later(electionDelayMs, elect);
      later(rejoinDelayMs, () => {
        restart(leader).catch((error: unknown) => void reportBug('rejoin', error));
      });
      return views[leader.index]!;
    },
    whenLeaderElected: () => {
      const leader = leaderNode();
      if (leader) return Promise.resolve(views[leader.index]!);
      return new Promise((resolve) => electionWaiters.push(resolve));
    },
    rejoin,
    close: ({ drainMs = 0 } = {}) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      persistentSubscriptions.close();
      closed ??= Promise.all(
        nodes.map((node) =>
          drainMs > 0 ? drain(node.server, node.calls, drainMs) : Promise.resolve(node.server.forceShutdown()),
        ),
      ).then(() => undefined);
      return closed;
    },
  };
}
