/** The persistent-subscriptions service's messages: the errors (status, details and trailers as
 * RpcExceptions builds them, which the client maps to its error classes), events and info. */
import { Metadata, status } from '@grpc/grpc-js';
import { persistentPb } from './protocol.js';
import type {
  ReadResp,
  SubscriptionInfo,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/persistentsubscriptions_pb.js';
import type { LogRecord } from './records.js';
import { TOMBSTONE_REVISION } from './records.js';
import { streamIdentifier, uuidMessage, type RpcError } from './wire.js';
import type { GroupMessage } from './psub-message.js';
import type { PersistentGroup } from './psub-group.js';
import { availableSlots, latencyMeasurements } from './psub-consumer.js';
import { startFromText } from './psub-settings.js';

const TICKS_PER_MS = 10_000n;

function groupTrailers(stream: string, group: string, extra: Record<string, string> = {}): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries({ 'stream-name': stream, 'group-name': group, ...extra }))
    metadata.set(key, value);
  return metadata;
}

function withException(exception: string, metadata: Metadata): Metadata {
  metadata.set('exception', exception);
  return metadata;
}

export const subscriptionExists = (stream: string, group: string): RpcError => ({
  code: status.ALREADY_EXISTS,
  details: `Subscription group ${group} on stream ${stream} exists.`,
  metadata: withException('persistent-subscription-exists', groupTrailers(stream, group)),
});

export const subscriptionDoesNotExist = (stream: string, group: string): RpcError => ({
  code: status.NOT_FOUND,
  details: `Subscription group ${group} on stream ${stream} does not exist.`,
  metadata: withException('persistent-subscription-does-not-exist', groupTrailers(stream, group)),
});

export const subscriptionFailed = (stream: string, group: string, reason: string): RpcError => ({
  code: status.INTERNAL,
  details: `Subscription group ${group} on stream ${stream} failed: '${reason}'`,
  metadata: withException('persistent-subscription-failed', groupTrailers(stream, group, { reason })),
});

export const maximumSubscribersReached = (stream: string, group: string): RpcError => ({
  code: status.FAILED_PRECONDITION,
  details: `Maximum subscriptions reached for subscription group ${group} on stream ${stream}.`,
  metadata: withException('maximum-subscribers-reached', groupTrailers(stream, group)),
});

export const subscriptionDropped = (stream: string, group: string): RpcError => ({
  code: status.CANCELLED,
  details: `Subscription group ${group} on stream ${stream} was dropped.`,
  metadata: withException('persistent-subscription-dropped', groupTrailers(stream, group)),
});

function recordedEvent(record: LogRecord, position: number, structuredIds: boolean): ReadResp.ReadEvent.RecordedEvent {
  const event = new persistentPb.ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(record.id, structuredIds))
    .setStreamIdentifier(streamIdentifier(record.stream))
    .setStreamRevision(record.isTombstone ? TOMBSTONE_REVISION : String(record.revision))
    // The server stamps both records with the position of the record read (OriginalPosition).
    .setCommitPosition(String(position))
    .setPreparePosition(String(position))
    .setData(record.data)
    .setCustomMetadata(record.customMetadata);
  event
    .getMetadataMap()
    .set('type', record.type)
    .set('created', (BigInt(record.createdMs) * TICKS_PER_MS).toString())
    .set('content-type', record.contentType === 'application/json' ? 'application/json' : 'application/octet-stream');
  return event;
}

export function eventResponse(message: GroupMessage, structuredIds: boolean): ReadResp {
  const { event, link } = message.resolved;
  const position = message.record.position;
  const readEvent = new persistentPb.ReadResp.ReadEvent()
    .setRetryCount(message.retryCount)
    .setCommitPosition(String(position));
  if (event) readEvent.setEvent(recordedEvent(event, position, structuredIds));
  if (link) readEvent.setLink(recordedEvent(link, position, structuredIds));
  return new persistentPb.ReadResp().setEvent(readEvent);
}

export const confirmationResponse = (subscriptionId: string): ReadResp =>
  new persistentPb.ReadResp().setSubscriptionConfirmation(
    new persistentPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(subscriptionId),
  );

/** GetInfo/List: the group's settings and statistics as the server's ParseSubscriptionInfo fills them. */
export function subscriptionInfo(group: PersistentGroup): SubscriptionInfo {
  const { settings } = group;
  const stats = group.statistics();
  const info = new persistentPb.SubscriptionInfo()
    .setEventSource(group.source.name)
    .setGroupName(group.groupName)
    .setStatus(stats.live ? 'Live' : 'Behind')
    .setAveragePerSecond(0)
    .setTotalItems(String(stats.totalItems))
    .setCountSinceLastMeasurement('0')
    .setLastCheckpointedEventPosition(stats.lastCheckpointedEventPosition ?? '')
    .setLastKnownEventPosition(stats.lastKnownEventPosition ?? '')
    .setResolveLinkTos(settings.resolveLinkTos)
    .setStartFrom(startFromText(settings.startFrom))
    .setMessageTimeoutMilliseconds(settings.messageTimeoutMs)
    .setExtraStatistics(settings.extraStatistics)
    .setMaxRetryCount(settings.maxRetryCount)
    .setLiveBufferSize(settings.liveBufferSize)
    .setBufferSize(settings.historyBufferSize)
    .setReadBatchSize(settings.readBatchSize)
    .setCheckPointAfterMilliseconds(settings.checkPointAfterMs)
    .setMinCheckPointCount(settings.minCheckPointCount)
    .setMaxCheckPointCount(settings.maxCheckPointCount)
    .setReadBufferCount(stats.readBufferCount)
    .setLiveBufferCount('0')
    .setRetryBufferCount(stats.retryBufferCount)
    .setTotalInFlightMessages(stats.totalInFlightMessages)
    .setOutstandingMessagesCount(stats.outstandingMessagesCount)
    .setNamedConsumerStrategy(settings.consumerStrategy)
    .setMaxSubscriberCount(settings.maxSubscriberCount)
    .setParkedMessageCount(String(stats.parkedMessageCount));
  info.setConnectionsList(
    group.consumers.map((consumer) =>
      new persistentPb.SubscriptionInfo.ConnectionInfo()
        .setFrom(consumer.from)
        .setUsername(consumer.username)
        .setAverageItemsPerSecond(0)
        .setTotalItems(String(consumer.totalItems))
        .setCountSinceLastMeasurement('0')
        .setAvailableSlots(availableSlots(consumer))
        .setInFlightMessages(consumer.inFlight.size)
        .setConnectionName(consumer.connectionName)
        .setObservedMeasurementsList(
          settings.extraStatistics
            ? latencyMeasurements(consumer).map(([key, value]) =>
                new persistentPb.SubscriptionInfo.Measurement().setKey(key).setValue(String(value)),
              )
            : [],
        ),
    ),
  );
  return info;
}
