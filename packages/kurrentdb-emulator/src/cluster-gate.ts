/**
 * What a cluster node answers before any handler runs, as a grpc-js server interceptor: a node that
 * is down answers nothing but UNAVAILABLE; a follower refuses writes (and reads that require the
 * leader) with the server's not-leader error naming the leader, so the client reconnects there;
 * while there is no leader, those calls get UNAVAILABLE (the client rediscovers and tries again).
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

/** Writes go to the leader; persistent subscription groups live on the leader too. */
export function needsLeader(path: string, metadata: Metadata): boolean {
  if (path.startsWith(STREAMS_V2) || path.startsWith(PERSISTENT)) return true;
  if (!path.startsWith(STREAMS)) return false;
  if (path === `${STREAMS}Read`) return metadata.get('requires-leader').some((value) => String(value) === 'true');
  return true;
}

export function refusal(role: NodeRole, path: string, metadata: Metadata): RpcError | undefined {
  if (role.kind === 'down') return { code: status.UNAVAILABLE, details: 'The node is not answering.' };
  if (role.kind === 'leader' || !needsLeader(path, metadata)) return undefined;
  if (!role.leader) return { code: status.UNAVAILABLE, details: 'Server Is Not Ready: no leader is elected yet.' };
  return notLeader(role.leader.host, role.leader.port);
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
