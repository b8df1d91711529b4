import type {
  KurrentDBClient,
  PersistentSubscriptionToAllSettings,
  PersistentSubscriptionToAllInfo,
  PersistentSubscriptionToStreamInfo,
  PersistentSubscriptionToStreamSettings,
  RecordedEvent as KurrentRecordedEvent,
  ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import type { MnemeError } from '../errors/mneme-error.js';
import {
  PersistentSubscriptionDroppedError,
  PersistentSubscriptionExistsError,
  PersistentSubscriptionMaxSubscribersError,
  PersistentSubscriptionNotFoundError,
} from '../errors/persistent-subscription-errors.js';
import type { RecordedEvent } from '../store/event-store.js';
import { validateStreamName } from '../store/event-validation.js';
import {
  resolveGroupSettings,
  resolveReplayOptions,
  resolveSubscribeOptions,
  validateGroupName,
  validateNack,
} from '../store/persistent-subscription-settings.js';
import {
  ALL_STREAM,
  type CreateGroupOptions,
  type NackAction,
  type PersistentMessage,
  type PersistentSubscription,
  type PersistentSubscriptionInfo,
  type PersistentSubscriptionSettings,
  type PersistentSubscriptions,
  type ReplayParkedOptions,
  type SubscribeToGroupOptions,
} from '../store/persistent-subscriptions.js';
import { kurrentFilter } from './all-stream.js';

/** What the store lends its persistent subscriptions. */
export interface KurrentGroupsHost {
  readonly client: KurrentDBClient;
  toRecorded(event: KurrentRecordedEvent): RecordedEvent;
  /** The store's error for any other client failure. */
  failure(error: unknown, streamName: string): MnemeError;
}

type PersistentSubscriptionToEitherInfo = PersistentSubscriptionToStreamInfo | PersistentSubscriptionToAllInfo;
type ClientSettings = PersistentSubscriptionToStreamSettings & PersistentSubscriptionToAllSettings;

/** Mneme's settings as the client's (`persistentSubscriptionToStreamSettingsFromDefaults` shape). */
export function toClientSettings(settings: PersistentSubscriptionSettings): ClientSettings {
  const { startFrom } = settings;
  return {
    startFrom: typeof startFrom === 'object' ? { commit: startFrom.commit, prepare: startFrom.prepare } : startFrom,
    resolveLinkTos: settings.resolveLinkTos,
    extraStatistics: settings.extraStatistics,
    messageTimeout: settings.messageTimeoutMs,
    maxRetryCount: settings.maxRetryCount,
    checkPointAfter: settings.checkpointAfterMs,
    checkPointLowerBound: settings.minCheckpointCount,
    checkPointUpperBound: settings.maxCheckpointCount,
    maxSubscriberCount: settings.maxSubscriberCount,
    liveBufferSize: settings.liveBufferSize,
    readBatchSize: settings.readBatchSize,
    historyBufferSize: settings.historyBufferSize,
    consumerStrategyName: settings.consumerStrategy,
  } as ClientSettings;
}

/** The client's settings (from a group's info) as Mneme's. */
export function fromClientSettings(
  settings: PersistentSubscriptionToStreamSettings | PersistentSubscriptionToAllSettings,
): PersistentSubscriptionSettings {
  const { startFrom } = settings;
  return {
    startFrom: typeof startFrom === 'object' ? { commit: startFrom.commit, prepare: startFrom.prepare } : startFrom,
    resolveLinkTos: settings.resolveLinkTos,
    extraStatistics: settings.extraStatistics,
    messageTimeoutMs: settings.messageTimeout,
    maxRetryCount: settings.maxRetryCount,
    checkpointAfterMs: settings.checkPointAfter,
    minCheckpointCount: settings.checkPointLowerBound,
    maxCheckpointCount: settings.checkPointUpperBound,
    maxSubscriberCount: settings.maxSubscriberCount === 0 ? 'unbounded' : settings.maxSubscriberCount,
    liveBufferSize: settings.liveBufferSize,
    readBatchSize: settings.readBatchSize,
    historyBufferSize: settings.historyBufferSize,
    consumerStrategy: settings.consumerStrategyName as PersistentSubscriptionSettings['consumerStrategy'],
  };
}

/** The client's error `type`s this area has its own errors for. */
function groupError(error: unknown, streamName: string, group: string): MnemeError | undefined {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  const cause = { cause: error };
  switch (type) {
    case 'persistent-subscription-exists':
      return new PersistentSubscriptionExistsError(streamName, group, cause);
    case 'persistent-subscription-does-not-exist':
      return new PersistentSubscriptionNotFoundError(streamName, group, cause);
    case 'maximum-subscribers-reached':
      return new PersistentSubscriptionMaxSubscribersError(streamName, group, undefined, cause);
    case 'persistent-subscription-dropped':
      return new PersistentSubscriptionDroppedError(streamName, group, 'dropped by the server', cause);
  }
  return undefined;
}

/**
 * KurrentEventStore's consumer groups: each call is one call of the official client (the `ToAll`
 * variant for `ALL_STREAM`), its errors mapped to this area's.
 */
export class KurrentPersistentSubscriptions implements PersistentSubscriptions {
  readonly #host: KurrentGroupsHost;

  constructor(host: KurrentGroupsHost) {
    this.#host = host;
  }

  async createGroup(streamName: string, group: string, options: CreateGroupOptions = {}): Promise<void> {
    const { settings, filter } = resolveGroupSettings(streamName, group, options);
    const client = this.#host.client;
    await this.#call(streamName, group, () =>
      streamName === ALL_STREAM
        ? client.createPersistentSubscriptionToAll(group, toClientSettings(settings), { filter: kurrentFilter(filter) })
        : client.createPersistentSubscriptionToStream(streamName, group, toClientSettings(settings)),
    );
  }

  async updateGroup(
    streamName: string,
    group: string,
    settings: Partial<PersistentSubscriptionSettings> = {},
  ): Promise<void> {
    const resolved = toClientSettings(resolveGroupSettings(streamName, group, settings, false).settings);
    const client = this.#host.client;
    await this.#call(streamName, group, () =>
      streamName === ALL_STREAM
        ? client.updatePersistentSubscriptionToAll(group, resolved)
        : client.updatePersistentSubscriptionToStream(streamName, group, resolved),
    );
  }

  async deleteGroup(streamName: string, group: string): Promise<void> {
    validateGroupName(streamName, group);
    const client = this.#host.client;
    await this.#call(streamName, group, () =>
      streamName === ALL_STREAM
        ? client.deletePersistentSubscriptionToAll(group)
        : client.deletePersistentSubscriptionToStream(streamName, group),
    );
  }

  async getGroupInfo(streamName: string, group: string): Promise<PersistentSubscriptionInfo> {
    validateGroupName(streamName, group);
    const client = this.#host.client;
    const info = await this.#call<PersistentSubscriptionToEitherInfo>(streamName, group, () =>
      streamName === ALL_STREAM
        ? client.getPersistentSubscriptionToAllInfo(group)
        : client.getPersistentSubscriptionToStreamInfo(streamName, group),
    );
    return toInfo(info);
  }

  async listGroups(streamName?: string): Promise<PersistentSubscriptionInfo[]> {
    if (streamName !== undefined) validateStreamName(streamName);
    const client = this.#host.client;
    try {
      const listed: PersistentSubscriptionToEitherInfo[] =
        streamName === undefined
          ? await client.listAllPersistentSubscriptions()
          : streamName === ALL_STREAM
            ? await client.listPersistentSubscriptionsToAll()
            : await client.listPersistentSubscriptionsToStream(streamName);
      return listed.map(toInfo);
    } catch (error) {
      // The server answers a stream without groups as not found.
      if (groupError(error, streamName ?? ALL_STREAM, '') instanceof PersistentSubscriptionNotFoundError) return [];
      throw this.#host.failure(error, streamName ?? ALL_STREAM);
    }
  }

  subscribe(streamName: string, group: string, options: SubscribeToGroupOptions = {}): PersistentSubscription {
    validateGroupName(streamName, group);
    const { bufferSize } = resolveSubscribeOptions(options);
    const client = this.#host.client;
    const subscription =
      streamName === ALL_STREAM
        ? client.subscribeToPersistentSubscriptionToAll(group, { bufferSize })
        : client.subscribeToPersistentSubscriptionToStream(streamName, group, { bufferSize });
    // The client's subscription is an event emitter: a drop while no one is iterating (the group
    // deleted or updated, the subsystem restarted) must not be an unhandled 'error'. It is kept and
    // thrown, mapped, by the next read.
    // (The client emits 'error' without destroying the stream, so an iterator made after it would wait forever.)
    let dropped: unknown;
    let onDrop: (error: unknown) => void = () => undefined;
    const whenDropped = new Promise<never>((_, reject) => (onDrop = reject));
    whenDropped.catch(() => undefined); // read by the iterator when it races it
    subscription.on('error', (error: unknown) => {
      dropped ??= error;
      onDrop(error);
    });
    const resolvedOf = new WeakMap<PersistentMessage, ResolvedEvent>();
    const toRecorded = this.#host.toRecorded;
    const failure = (error: unknown) =>
      groupError(error, streamName, group) ??
      new PersistentSubscriptionDroppedError(streamName, group, 'connection lost', { cause: error });
    const ours = {
      async ack(...messages: PersistentMessage[]) {
        const resolved = messages.map((message) => resolvedOf.get(message)).filter((event) => event !== undefined);
        if (resolved.length > 0) await subscription.ack(...resolved);
      },
      async nack(action: NackAction, reason: string, ...messages: PersistentMessage[]) {
        validateNack(action, reason);
        const resolved = messages.map((message) => resolvedOf.get(message)).filter((event) => event !== undefined);
        if (resolved.length > 0) await subscription.nack(action, reason, ...resolved);
      },
      async unsubscribe() {
        await subscription.unsubscribe();
      },
      [Symbol.asyncIterator]: (): AsyncIterator<PersistentMessage> => {
        const source = subscription[Symbol.asyncIterator]();
        return {
          async next(): Promise<IteratorResult<PersistentMessage>> {
            if (dropped !== undefined) throw failure(dropped);
            let result;
            try {
              result = await Promise.race([source.next(), whenDropped]);
            } catch (error) {
              throw failure(error);
            }
            if (result.done) {
              if (dropped !== undefined) throw failure(dropped);
              return { value: undefined, done: true };
            }
            const resolved = result.value as ResolvedEvent & { retryCount: number };
            const recorded = resolved.event ?? resolved.link;
            if (!recorded) return this.next();
            const position = (recorded as { position?: { commit: bigint; prepare: bigint } }).position;
            const message: PersistentMessage = Object.freeze({
              event: toRecorded(recorded as KurrentRecordedEvent),
              ...(resolved.event && resolved.link ? { link: toRecorded(resolved.link as KurrentRecordedEvent) } : {}),
              ...(streamName === ALL_STREAM && position
                ? { position: { commit: position.commit, prepare: position.prepare } }
                : {}),
              retryCount: resolved.retryCount,
              ack: () => ours.ack(message),
              nack: (action: NackAction, reason: string) => ours.nack(action, reason, message),
            });
            resolvedOf.set(message, resolved);
            return { value: message, done: false };
          },
          async return(): Promise<IteratorResult<PersistentMessage>> {
            await subscription.unsubscribe();
            return { value: undefined, done: true };
          },
        };
      },
    };
    return ours;
  }

  async replayParkedMessages(streamName: string, group: string, options: ReplayParkedOptions = {}): Promise<void> {
    validateGroupName(streamName, group);
    const { stopAt } = resolveReplayOptions(options);
    const replay = stopAt === Number.POSITIVE_INFINITY ? {} : { stopAt };
    const client = this.#host.client;
    await this.#call(streamName, group, () =>
      streamName === ALL_STREAM
        ? client.replayParkedMessagesToAll(group, replay)
        : client.replayParkedMessagesToStream(streamName, group, replay),
    );
  }

  async restartSubsystem(): Promise<void> {
    await this.#call(ALL_STREAM, '', () => this.#host.client.restartPersistentSubscriptionSubsystem());
  }

  async #call<T>(streamName: string, group: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw groupError(error, streamName, group) ?? this.#host.failure(error, streamName);
    }
  }
}

function toInfo(info: PersistentSubscriptionToEitherInfo): PersistentSubscriptionInfo {
  const { stats } = info;
  const lastCheckpoint =
    'lastCheckpointedEventPosition' in stats && stats.lastCheckpointedEventPosition
      ? { commit: stats.lastCheckpointedEventPosition.commit, prepare: stats.lastCheckpointedEventPosition.prepare }
      : 'lastCheckpointedEventRevision' in stats
        ? stats.lastCheckpointedEventRevision
        : undefined;
  return {
    streamName: info.eventSource,
    group: info.groupName,
    settings: fromClientSettings(info.settings),
    parkedMessageCount: stats.parkedMessageCount,
    totalInFlightMessages: stats.totalInFlightMessages,
    ...(lastCheckpoint === undefined ? {} : { lastCheckpoint }),
    consumers: info.connections.map((connection) => ({
      connectionName: connection.connectionName,
      inFlightMessages: connection.inFlightMessages,
      availableSlots: connection.availableSlots,
      totalItems: connection.totalItems,
    })),
  };
}
