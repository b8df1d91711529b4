/** Loads the protobuf classes and service definitions that ship inside `@kurrent/kurrentdb-client`.
 * Everything, well-known types included, comes from the copies the client itself resolves: a
 * `Timestamp` or `Any` built from another google-protobuf makes the generated setters throw. */
import { createRequire } from 'node:module';
import type * as StreamsPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';
import type * as SharedPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
import type * as StatusPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/status_pb.js';
import type * as ServerFeaturesPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js';
import type * as StreamsGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';
import type * as ServerFeaturesGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb.js';
import type * as StreamsV2Pb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_pb.js';
import type * as StreamsV2Grpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_grpc_pb.js';
import type * as StreamsV2ErrorsPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/errors_pb.js';
import type * as StructPb from 'google-protobuf/google/protobuf/struct_pb.js';
import type * as PersistentPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/persistentsubscriptions_pb.js';
import type * as PersistentGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/persistentsubscriptions_grpc_pb.js';
import type * as GossipPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/gossip_pb.js';
import type * as GossipGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/gossip_grpc_pb.js';
import type * as EmptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import type * as TimestampPb from 'google-protobuf/google/protobuf/timestamp_pb.js';
import type * as AnyPb from 'google-protobuf/google/protobuf/any_pb.js';
import type * as DurationPb from 'google-protobuf/google/protobuf/duration_pb.js';

const projectRequire = createRequire(import.meta.url);
// Resolve relative to the client package so npm nesting can never hand us a different copy.
const clientRequire = createRequire(projectRequire.resolve('@kurrent/kurrentdb-client/package.json'));
const generated = './generated/kurrentdb/protocols/v1/';

export const streamsPb = clientRequire(`${generated}streams_pb.js`) as typeof StreamsPb;
export const sharedPb = clientRequire(`${generated}shared_pb.js`) as typeof SharedPb;
export const statusPb = clientRequire(`${generated}status_pb.js`) as typeof StatusPb;
export const serverFeaturesPb = clientRequire(`${generated}serverfeatures_pb.js`) as typeof ServerFeaturesPb;
export const streamsGrpc = clientRequire(`${generated}streams_grpc_pb.js`) as typeof StreamsGrpc;
export const serverFeaturesGrpc = clientRequire(`${generated}serverfeatures_grpc_pb.js`) as typeof ServerFeaturesGrpc;
/** The v2 streams service (multi-stream append: AppendSession, AppendRecords) and its error details. */
export const streamsV2Pb = clientRequire(
  './generated/kurrentdb/protocols/v2/streams/streams_pb.js',
) as typeof StreamsV2Pb;
export const streamsV2Grpc = clientRequire(
  './generated/kurrentdb/protocols/v2/streams/streams_grpc_pb.js',
) as typeof StreamsV2Grpc;
export const streamsV2ErrorsPb = clientRequire(
  './generated/kurrentdb/protocols/v2/streams/errors_pb.js',
) as typeof StreamsV2ErrorsPb;
export const structPb = clientRequire('google-protobuf/google/protobuf/struct_pb.js') as typeof StructPb;
export const persistentPb = clientRequire(`${generated}persistentsubscriptions_pb.js`) as typeof PersistentPb;
export const persistentGrpc = clientRequire(`${generated}persistentsubscriptions_grpc_pb.js`) as typeof PersistentGrpc;
/** Cluster discovery: `Gossip/Read` answers the members, their states and addresses. */
export const gossipPb = clientRequire(`${generated}gossip_pb.js`) as typeof GossipPb;
export const gossipGrpc = clientRequire(`${generated}gossip_grpc_pb.js`) as typeof GossipGrpc;
export const emptyPb = clientRequire('google-protobuf/google/protobuf/empty_pb.js') as typeof EmptyPb;
export const timestampPb = clientRequire('google-protobuf/google/protobuf/timestamp_pb.js') as typeof TimestampPb;
export const anyPb = clientRequire('google-protobuf/google/protobuf/any_pb.js') as typeof AnyPb;
export const durationPb = clientRequire('google-protobuf/google/protobuf/duration_pb.js') as typeof DurationPb;

export type {
  ReadReq,
  ReadResp,
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  DeleteReq,
  DeleteResp,
  TombstoneReq,
  TombstoneResp,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';
export type { UUID, StreamIdentifier } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
