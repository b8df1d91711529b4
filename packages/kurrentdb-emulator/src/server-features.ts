/** `ServerFeatures/GetSupportedMethods`: how the client decides between Append and BatchAppend, and whether it may call the v2 multi-stream appends. */
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
const STREAMS_V2 = 'kurrentdb.protocol.v2.streams.streamsservice';

/** Whether `version` (digits and dots) is at least `minimum`, e.g. atLeast('25.1.0', [25, 1]). */
export function atLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < minimum.length; i++) {
    const part = parts[i] ?? 0;
    if (part !== minimum[i]) return part > minimum[i]!;
  }
  return true;
}

/** The v2 multi-stream appends a server version has: AppendSession from 25.1, AppendRecords from 26.1. */
export function multiStreamFeatures(serverVersion: string): { appendSession: boolean; appendRecords: boolean } {
  return { appendSession: atLeast(serverVersion, [25, 1]), appendRecords: atLeast(serverVersion, [26, 1]) };
}

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
  const v2 = multiStreamFeatures(serverVersion);
  if (v2.appendSession) methods.push([STREAMS_V2, 'appendsession', []]);
  if (v2.appendRecords) methods.push([STREAMS_V2, 'appendrecords', []]);
  return new serverFeaturesPb.SupportedMethods()
    .setEventStoreServerVersion(serverVersion)
    .setMethodsList(
      methods.map(([service, method, features]) =>
        new serverFeaturesPb.SupportedMethod().setServiceName(service).setMethodName(method).setFeaturesList(features),
      ),
    );
}

export const getSupportedMethods =
  (options: ServerFeaturesOptions) =>
  (_call: ServerUnaryCall<Empty, SupportedMethods>, callback: sendUnaryData<SupportedMethods>): void =>
    callback(null, supportedMethods(options));
