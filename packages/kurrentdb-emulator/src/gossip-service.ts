/** `event_store.client.gossip.Gossip/Read`: the cluster's members as the client's discovery reads them. */
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { gossipPb, sharedPb } from './protocol.js';
import type { ClusterInfo } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/gossip_pb.js';
import type { Empty } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';

/** What gossip says of a node. A node that is down is reported, not alive, in the last state it had. */
export interface GossipMember {
  readonly instanceId: string;
  readonly state: 'leader' | 'follower';
  readonly alive: boolean;
  /** The address clients connect to (the server's "HTTP" endpoint: gRPC and HTTP share it). */
  readonly host: string;
  readonly port: number;
}

const VNodeState = gossipPb.MemberInfo.VNodeState;

export function clusterInfo(members: readonly GossipMember[], now = Date.now()): ClusterInfo {
  return new gossipPb.ClusterInfo().setMembersList(
    members.map((member) =>
      new gossipPb.MemberInfo()
        .setInstanceId(new sharedPb.UUID().setString(member.instanceId))
        // Ticks (100 ns) like the server's DateTime; the client only parses it.
        .setTimeStamp(String(now * 10_000))
        .setState(member.state === 'leader' ? VNodeState.LEADER : VNodeState.FOLLOWER)
        .setIsAlive(member.alive)
        .setHttpEndPoint(new gossipPb.EndPoint().setAddress(member.host).setPort(member.port)),
    ),
  );
}

export const gossipRead =
  (members: () => readonly GossipMember[]) =>
  (_call: ServerUnaryCall<Empty, ClusterInfo>, callback: sendUnaryData<ClusterInfo>): void =>
    callback(null, clusterInfo(members()));
