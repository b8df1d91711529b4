/**
 * A gRPC server that speaks the client's protocol just far enough to receive an append, with a small
 * receive limit: an oversized append is refused by gRPC itself with RESOURCE_EXHAUSTED, as KurrentDB's
 * host refuses a message above its own limit (the emulator's limit is 32 MiB: too big to test cheaply).
 */
import { createRequire } from 'node:module';
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
} from '@grpc/grpc-js';
import type * as ServerFeaturesPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js';
import type * as ServerFeaturesGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb.js';
import type * as StreamsGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';

const clientRequire = createRequire(createRequire(import.meta.url).resolve('@kurrent/kurrentdb-client/package.json'));
const generated = './generated/kurrentdb/protocols/v1/';
const serverFeaturesPb = clientRequire(`${generated}serverfeatures_pb.js`) as typeof ServerFeaturesPb;
const serverFeaturesGrpc = clientRequire(`${generated}serverfeatures_grpc_pb.js`) as typeof ServerFeaturesGrpc;
const streamsGrpc = clientRequire(`${generated}streams_grpc_pb.js`) as typeof StreamsGrpc;

export interface SmallMessageServer {
  readonly connectionString: string;
  close(): Promise<void>;
}

export async function startSmallMessageServer(options: {
  maxMessageBytes: number;
  batchAppend: boolean;
}): Promise<SmallMessageServer> {
  const server = new Server({ 'grpc.max_receive_message_length': options.maxMessageBytes });
  const streams = 'event_store.client.streams.streams';
  server.addService(serverFeaturesGrpc.ServerFeaturesService, {
    getSupportedMethods: (_call: unknown, callback: sendUnaryData<ServerFeaturesPb.SupportedMethods>) => {
      const methods = [new serverFeaturesPb.SupportedMethod().setServiceName(streams).setMethodName('append')];
      if (options.batchAppend) {
        methods.push(
          new serverFeaturesPb.SupportedMethod()
            .setServiceName(streams)
            .setMethodName('batchappend')
            .setFeaturesList(['deadline_duration']),
        );
      }
      callback(
        null,
        new serverFeaturesPb.SupportedMethods().setEventStoreServerVersion('24.10.0').setMethodsList(methods),
      );
    },
  });
  // Appends small enough to arrive are not what this server is for.
  server.addService(streamsGrpc.StreamsService, {
    append: (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<never>) => {
      call.on('data', () => undefined);
      call.on('error', () => undefined);
      call.on('end', () => callback({ code: status.UNIMPLEMENTED, details: 'only oversized appends are expected' }));
    },
    batchAppend: (call: ServerDuplexStream<unknown, unknown>) => {
      call.on('data', () => undefined);
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    connectionString: `kurrentdb://127.0.0.1:${port}?tls=false`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
