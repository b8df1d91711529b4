/**
 * What a cluster node answers before any handler runs, as a grpc-js server interceptor: a node that
 * is down answers nothing but UNAVAILABLE; a follower forwards writes to the leader (here: serves them,
 * the log is shared) unless the call requires the leader; what requires it (the `requires-leader`
 * header, the v2 appends, persistent subscriptions) it refuses with the server's not-leader error
 * naming the leader, so the client reconnects there; while there is no leader, writes and those calls
 * get UNAVAILABLE (the client rediscovers and tries again).
 */
import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { notLeader, type RpcError } from './wire.js';

export type NodeRole =
  | { readonly kind: 'leader' }
  | { readonly kind: 'follower'; readonly leader: { readonly host: string; readonly port: number } | undefined }
  | { readonly kind: 'down' };

const STREAMS = '/event_store.client.streams.Streams/';
const STREAMS_V2 = '/kurrentdb.protocol.v2.streams.StreamsService/';
const PERSISTENT = '/event_store.client.persistent_subscriptions.PersistentSubscriptions/';

/**
 * `leader`: only the leader answers (the v2 appends always, persistent subscription groups live there,
 * and any call with `requires-leader: true`); `forwarded`: a follower passes it to the leader (the v1
 * writes, as the server's followers forward them); `local`: any node answers (reads, gossip).
 */
export type LeaderNeed = 'leader' | 'forwarded' | 'local';

export function leaderNeed(path: string, metadata: Metadata): LeaderNeed {
  if (path.startsWith(STREAMS_V2) || path.startsWith(PERSISTENT)) return 'leader';
  if (!path.startsWith(STREAMS)) return 'local';
  if (metadata.get('requires-leader').some((value) => String(value) === 'true')) return 'leader';
  return path === `${STREAMS}Read` ? 'local' : 'forwarded';
}

export function refusal(role: NodeRole, path: string, metadata: Metadata): RpcError | undefined {
  if (role.kind === 'down') return { code: status.UNAVAILABLE, details: 'The node is not answering.' };
  if (role.kind === 'leader') return undefined;
  const need = leaderNeed(path, metadata);
  if (need === 'local') return undefined;
  if (!role.leader) return { code: status.UNAVAILABLE, details: 'Server Is Not Ready: no leader is elected yet.' };
  return need === 'leader' ? notLeader(role.leader.host, role.leader.port) : undefined;
}

export function clusterGate(roleOf: () => NodeRole): ServerInterceptor {
  return (method, call) => {
    const gated: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const refused = refusal(roleOf(), method.path, metadata);
            if (!refused) return nextMetadata(metadata);
            gated.sendStatus({
              code: refused.code,
              details: refused.details,
              metadata: refused.metadata ?? new Metadata(),
            });
          },
        }),
    });
    return gated;
  };
}
