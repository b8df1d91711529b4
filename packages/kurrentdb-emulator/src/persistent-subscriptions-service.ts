/** `event_store.client.persistent_subscriptions.PersistentSubscriptions`: Create, Update, Delete,
 * Read (the bidirectional consumer stream), GetInfo, ReplayParked, List, RestartSubsystem. */
import { randomUUID } from 'node:crypto';
import type { ServerDuplexStream, sendUnaryData } from '@grpc/grpc-js';
import type { IPersistentSubscriptionsServer } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/persistentsubscriptions_grpc_pb.js';
import type {
  CreateReq,
  ReadReq,
  ReadResp,
  UpdateReq,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/persistentsubscriptions_pb.js';
import { persistentPb, sharedPb, type StreamIdentifier } from './protocol.js';
import type { InMemoryLog } from './log.js';
import { guarded, type BugReporter } from './call-guard.js';
import { invalidArgument, streamNameOf, uuidOf, type RpcError } from './wire.js';
import { ALL_STREAM } from './psub-names.js';
import type { Consumer } from './psub-consumer.js';
import type { NackAction, PersistentGroup } from './psub-group.js';
import { GroupRegistry, type GroupDefinition } from './psub-registry.js';
import {
  GroupSettingsError,
  allOptionsStart,
  parseSettings,
  revisionStart,
  streamOptionsStart,
  type StartFrom,
} from './psub-settings.js';
import {
  confirmationResponse,
  eventResponse,
  maximumSubscribersReached,
  subscriptionDoesNotExist,
  subscriptionDropped,
  subscriptionExists,
  subscriptionFailed,
  subscriptionInfo,
} from './psub-wire.js';

export interface PersistentSubscriptionsContext {
  readonly log: InMemoryLog;
  readonly reportBug: BugReporter;
}

export interface PersistentSubscriptionsService {
  readonly handlers: IPersistentSubscriptionsServer;
  /** Stops the groups' clock. */
  close(): void;
}

type ReadCall = ServerDuplexStream<ReadReq, ReadResp>;

const NACK_ACTIONS: Record<number, NackAction> = { 0: 'unknown', 1: 'park', 2: 'retry', 3: 'skip', 4: 'stop' };
const { StreamOptionCase: CreateSource } = persistentPb.CreateReq.Options;

export function persistentSubscriptionsService({
  log,
  reportBug,
}: PersistentSubscriptionsContext): PersistentSubscriptionsService {
  /** The Read call of each connected consumer, and whether it wants structured UUIDs. */
  const calls = new Map<Consumer, { call: ReadCall; structured: boolean }>();
  const failCall = (call: ReadCall, error: RpcError) => {
    if (!call.cancelled && !call.destroyed && !call.writableEnded) call.emit('error', error);
  };

  const registry = new GroupRegistry(
    log,
    (consumer, message) => {
      const target = calls.get(consumer);
      if (target) target.call.write(eventResponse(message, target.structured));
    },
    (consumer, group) => {
      const target = calls.get(consumer);
      calls.delete(consumer);
      if (target) failCall(target.call, subscriptionDropped(group.source.name, group.groupName));
    },
    (error) => reportBug('PersistentSubscriptions clock', error),
  );

  /** Create and Update share everything but the request class and the missing/existing answer. */
  function definitionOf(options: CreateReq.Options | UpdateReq.Options): GroupDefinition {
    const group = options.getGroupName();
    const settingsMessage = options.getSettings();
    if (options.hasAll()) {
      const all = options.getAll()!;
      const filter = 'hasFilter' in all && all.hasFilter() ? all.getFilter() : undefined;
      return { source: ALL_STREAM, group, settings: parseSettings(settingsMessage, allOptionsStart(all)), filter };
    }
    let source: string;
    let startFrom: StartFrom;
    if (options.getStreamOptionCase() === CreateSource.STREAM) {
      const stream = options.getStream()!;
      source = streamNameOf(stream.getStreamIdentifier());
      startFrom = streamOptionsStart(stream);
    } else {
      // Deprecated shape, still what the Node client sends: identifier plus settings.revision.
      source = streamNameOf(options.getStreamIdentifier());
      startFrom = revisionStart(settingsMessage?.getRevision() ?? '0');
    }
    return { source, group, settings: parseSettings(settingsMessage, startFrom) };
  }

  function createOrUpdate(
    method: 'Create' | 'Update',
    options: CreateReq.Options | UpdateReq.Options | undefined,
    callback: (error: RpcError | null) => void,
  ): void {
    guarded(method, reportBug, callback, () => {
      if (!options) return callback(invalidArgument(`${method} options are required.`));
      const source = options.hasAll()
        ? ALL_STREAM
        : streamNameOf(options.getStream()?.getStreamIdentifier() ?? options.getStreamIdentifier());
      const group = options.getGroupName();
      try {
        if (source === '') throw new GroupSettingsError('Bad stream name.');
        const definition = definitionOf(options);
        if (method === 'Create') {
          if (!registry.create(definition)) return callback(subscriptionExists(source, group));
        } else if (!registry.update(definition)) {
          return callback(subscriptionDoesNotExist(source, group));
        }
      } catch (error) {
        if (error instanceof GroupSettingsError) return callback(subscriptionFailed(source, group, error.message));
        throw error;
      }
      callback(null);
    });
  }

  /** Delete, GetInfo and ReplayParked name their group the same way. */
  function target(options: {
    hasAll(): boolean;
    getStreamIdentifier(): StreamIdentifier | undefined;
    getGroupName(): string;
  }) {
    return {
      source: options.hasAll() ? ALL_STREAM : streamNameOf(options.getStreamIdentifier()),
      group: options.getGroupName(),
    };
  }

  const read: IPersistentSubscriptionsServer['read'] = (call) => {
    let consumer: Consumer | undefined;
    let group: PersistentGroup | undefined;
    const fail = (error: RpcError) => failCall(call, error);
    const leave = () => {
      if (!consumer) return;
      calls.delete(consumer);
      group?.removeConsumer(consumer);
      consumer = undefined;
    };
    call.on('data', (request: ReadReq) =>
      guarded('PersistentSubscriptions.Read', reportBug, fail, () => {
        if (!consumer) {
          if (!request.hasOptions()) return fail(invalidArgument('The first ReadReq must carry options.'));
          const options = request.getOptions()!;
          const source = options.hasAll() ? ALL_STREAM : streamNameOf(options.getStreamIdentifier());
          const groupName = options.getGroupName();
          group = registry.get(source, groupName);
          if (!group) return fail(subscriptionDoesNotExist(source, groupName));
          if (group.hasReachedMaxConsumers) return fail(maximumSubscribersReached(source, groupName));
          consumer = {
            id: randomUUID(),
            capacity: options.getBufferSize(),
            inFlight: new Set(),
            from: call.getPeer().replace(/^ipv[46]:/, ''),
            username: INSECURE_NODE_USER,
            connectionName: String(call.metadata.get('connection-name')[0] ?? '<unknown>'),
            totalItems: 0,
            ackLatencies: [],
          };
          calls.set(consumer, { call, structured: options.getUuidOption()?.hasStructured() ?? false });
          call.write(confirmationResponse(group.key));
          group.addConsumer(consumer);
          return;
        }
        if (!group || !calls.has(consumer)) return;
        const ids = (list: Array<Parameters<typeof uuidOf>[0]>) =>
          list.map((id) => uuidOf(id)).filter((id): id is string => id !== undefined);
        if (request.hasAck()) return group.ack(ids(request.getAck()!.getIdsList()));
        if (request.hasNack()) {
          const nack = request.getNack()!;
          return group.nack(ids(nack.getIdsList()), NACK_ACTIONS[nack.getAction()] ?? 'unknown', nack.getReason());
        }
      }),
    );
    call.on('end', () => {
      leave();
      call.end();
    });
    call.on('cancelled', leave);
    call.on('close', leave);
    call.on('error', leave);
  };

  const handlers: IPersistentSubscriptionsServer = {
    create: (call, callback) =>
      createOrUpdate(
        'Create',
        call.request.getOptions(),
        replyEmpty(callback, () => new persistentPb.CreateResp()),
      ),
    update: (call, callback) =>
      createOrUpdate(
        'Update',
        call.request.getOptions(),
        replyEmpty(callback, () => new persistentPb.UpdateResp()),
      ),
    delete: (call, callback) =>
      guarded('Delete', reportBug, callback, () => {
        const options = call.request.getOptions();
        if (!options) return callback(invalidArgument('Delete options are required.'));
        const { source, group } = target(options);
        if (!registry.delete(source, group)) return callback(subscriptionDoesNotExist(source, group));
        callback(null, new persistentPb.DeleteResp());
      }),
    read,
    getInfo: (call, callback) =>
      guarded('GetInfo', reportBug, callback, () => {
        const options = call.request.getOptions();
        if (!options) return callback(invalidArgument('GetInfo options are required.'));
        const { source, group: groupName } = target(options);
        const group = registry.get(source, groupName);
        if (!group) return callback(subscriptionDoesNotExist(source, groupName));
        callback(null, new persistentPb.GetInfoResp().setSubscriptionInfo(subscriptionInfo(group)));
      }),
    replayParked: (call, callback) =>
      guarded('ReplayParked', reportBug, callback, () => {
        const options = call.request.getOptions();
        if (!options) return callback(invalidArgument('ReplayParked options are required.'));
        const { source, group: groupName } = target(options);
        const stopAt = options.hasStopAt() ? Number(options.getStopAt()) : undefined;
        if (stopAt !== undefined && stopAt < 0) {
          return callback(
            subscriptionFailed(source, groupName, 'Cannot stop replaying parked message at a negative version.'),
          );
        }
        const group = registry.get(source, groupName);
        if (!group) return callback(subscriptionDoesNotExist(source, groupName));
        group.replayParked(stopAt);
        callback(null, new persistentPb.ReplayParkedResp());
      }),
    list: (call, callback) =>
      guarded('List', reportBug, callback, () => {
        const options = call.request.getOptions();
        let groups: PersistentGroup[];
        if (options?.hasListForStream()) {
          const forStream = options.getListForStream()!;
          const source = forStream.hasAll() ? ALL_STREAM : streamNameOf(forStream.getStream());
          // A stream without groups is "not found", with an empty group name, as on the server.
          if (!registry.hasSource(source)) return callback(subscriptionDoesNotExist(source, ''));
          groups = registry.list(source);
        } else {
          groups = registry.list();
        }
        callback(null, new persistentPb.ListResp().setSubscriptionsList(groups.map(subscriptionInfo)));
      }),
    restartSubsystem: (_call, callback) =>
      guarded('RestartSubsystem', reportBug, callback, () => {
        registry.restart();
        callback(null, new sharedPb.Empty());
      }),
  };
  return { handlers, close: () => registry.close() };
}

function replyEmpty<T>(callback: sendUnaryData<T>, response: () => T) {
  return (error: RpcError | null) => (error ? callback(error) : callback(null, response()));
}

/** An insecure node authenticates every call as its system account (PassthroughAuthenticationProvider),
 * credentials or not: that is the user a consumer shows. */
const INSECURE_NODE_USER = 'system';
