/** `ServerFeatures/GetSupportedMethods`: how the client decides between Append and BatchAppend. */
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { serverFeaturesPb } from './protocol.js';
import { persistentSubscriptionMethods } from './psub-names.js';
import type { SupportedMethods } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js';
import type { Empty } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';

export interface ServerFeaturesOptions {
  /** Must parse as digits and dots, or every bridge (read) call fails with UnavailableError. */
  readonly serverVersion: string;
  readonly batchAppend: boolean;
}

const STREAMS = 'event_store.client.streams.streams';

export function supportedMethods({ serverVersion, batchAppend }: ServerFeaturesOptions): SupportedMethods {
  const methods: Array<[service: string, method: string, features: string[]]> = [
    [STREAMS, 'read', ['position', 'events']],
    [STREAMS, 'append', []],
    [STREAMS, 'delete', []],
    [STREAMS, 'tombstone', []],
    ['event_store.client.server_features.serverfeatures', 'getsupportedmethods', []],
    ...persistentSubscriptionMethods,
  ];
  if (batchAppend) methods.push([STREAMS, 'batchappend', ['deadline_duration']]);
  return new serverFeaturesPb.SupportedMethods().setEventStoreServerVersion(serverVersion).setMethodsList(
    methods.map(([service, method, features]) =>
      new serverFeaturesPb.SupportedMethod().setServiceName(service).setMethodName(method).setFeaturesList(features),
    ),
  );
}

export const getSupportedMethods =
  (options: ServerFeaturesOptions) =>
  (_call: ServerUnaryCall<Empty, SupportedMethods>, callback: sendUnaryData<SupportedMethods>): void =>
    callback(null, supportedMethods(options));
