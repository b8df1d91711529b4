/** Conversions between log records and protobuf messages, and the server's exact error shapes. */
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { sharedPb, streamsPb, timestampPb, type ReadResp, type StreamIdentifier, type UUID } from './protocol.js';
import { TOMBSTONE_REVISION, type LogRecord, type ProposedEvent } from './records.js';
import type { ResolvedRecord } from './links.js';

/** What handlers fail a call with: grpc-js turns it into status + trailers. */
export type RpcError = Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata };

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TICKS_PER_MS = 10_000n;
const U64 = (1n << 64n) - 1n;

export const streamNameOf = (identifier: StreamIdentifier | undefined): string =>
  Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array(0)).toString('utf8');

export const streamIdentifier = (name: string): StreamIdentifier =>
  new sharedPb.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));

/** Accepts both UUID encodings; undefined when absent or malformed. */
export function uuidOf(uuid: UUID | undefined): string | undefined {
  if (!uuid) return undefined;
  let text: string;
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured()!;
    const hex = (value: string) => (BigInt(value) & U64).toString(16).padStart(16, '0');
    const ms = hex(structured.getMostSignificantBits());
    const ls = hex(structured.getLeastSignificantBits());
    text = `${ms.slice(0, 8)}-${ms.slice(8, 12)}-${ms.slice(12)}-${ls.slice(0, 4)}-${ls.slice(4)}`;
  } else {
    text = uuid.getString();
  }
  return UUID_PATTERN.test(text) ? text.toLowerCase() : undefined;
}

export function uuidMessage(id: string, structured: boolean): UUID {
  const uuid = new sharedPb.UUID();
  if (!structured) return uuid.setString(id);
  const hex = id.replace(/-/g, '');
  const signed = (half: string) => BigInt.asIntN(64, BigInt(`0x${half}`)).toString();
  return uuid.setStructured(
    new sharedPb.UUID.Structured()
      .setMostSignificantBits(signed(hex.slice(0, 16)))
      .setLeastSignificantBits(signed(hex.slice(16))),
  );
}

/** Thrown while parsing a proposed event; handlers turn it into the right reply for their RPC. */
export class WireEventError extends Error {
  constructor(readonly rpcError: RpcError) {
    super(rpcError.details);
  }
}

interface ProposedMessage {
  getId(): UUID | undefined;
  getMetadataMap(): { get(key: string): string | undefined; has(key: string): boolean };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}

export function parseProposedEvent(message: ProposedMessage): ProposedEvent {
  const id = uuidOf(message.getId());
  if (id === undefined) throw new WireEventError(invalidArgument('Event id must be a valid UUID.'));
  const metadata = message.getMetadataMap();
  for (const property of ['type', 'content-type']) {
    if (!metadata.has(property)) throw new WireEventError(requiredMetadataPropertyMissing(property));
  }
  return {
    id,
    type: metadata.get('type') ?? '',
    contentType: metadata.get('content-type') ?? '',
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

/** The server's `Event.SizeOnDisk`: the type counts twice (UTF-16). */
export const eventSize = (event: ProposedEvent): number =>
  event.data.length + event.customMetadata.length + 2 * event.type.length;

export function recordedEvent(record: LogRecord, structuredIds: boolean): ReadResp.ReadEvent.RecordedEvent {
  const event = new streamsPb.ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(record.id, structuredIds))
    .setStreamIdentifier(streamIdentifier(record.stream))
    .setStreamRevision(record.isTombstone ? TOMBSTONE_REVISION : String(record.revision))
    .setCommitPosition(String(record.position))
    .setPreparePosition(String(record.position))
    .setData(record.data)
    .setCustomMetadata(record.customMetadata);
  event
    .getMetadataMap()
    .set('type', record.type)
    .set('created', (BigInt(record.createdMs) * TICKS_PER_MS).toString())
    .set('content-type', record.contentType === 'application/json' ? 'application/json' : 'application/octet-stream');
  return event;
}

/** A ReadEvent: with a resolved link, `event` is the target (absent if unreadable) and `link` the `$>`
 * record; each carries its own position, the ReadEvent the position of the record read. */
export function eventResponse({ event, link }: ResolvedRecord, structuredIds: boolean): ReadResp {
  const original = (link ?? event)!;
  const readEvent = new streamsPb.ReadResp.ReadEvent().setCommitPosition(String(original.position));
  if (event) readEvent.setEvent(recordedEvent(event, structuredIds));
  if (link) readEvent.setLink(recordedEvent(link, structuredIds));
  return new streamsPb.ReadResp().setEvent(readEvent);
}

export const streamNotFoundResponse = (stream: string): ReadResp =>
  new streamsPb.ReadResp().setStreamNotFound(
    new streamsPb.ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(stream)),
  );

export const confirmationResponse = (subscriptionId: string): ReadResp =>
  new streamsPb.ReadResp().setConfirmation(
    new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(subscriptionId),
  );

export function caughtUpResponse(at: { revision?: number; position?: number }): ReadResp {
  const caughtUp = new streamsPb.ReadResp.CaughtUp().setTimestamp(timestampPb.Timestamp.fromDate(new Date()));
  if (at.revision !== undefined && at.revision >= 0) caughtUp.setStreamRevision(String(at.revision));
  if (at.position !== undefined) {
    caughtUp.setPosition(
      new streamsPb.ReadResp.Position().setCommitPosition(String(at.position)).setPreparePosition(String(at.position)),
    );
  }
  return new streamsPb.ReadResp().setCaughtUp(caughtUp);
}

export const checkpointResponse = (position: number): ReadResp =>
  new streamsPb.ReadResp().setCheckpoint(
    new streamsPb.ReadResp.Checkpoint().setCommitPosition(String(position)).setPreparePosition(String(position)),
  );

function trailers(entries: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}

export const streamDeleted = (stream: string): RpcError => ({
  code: status.FAILED_PRECONDITION,
  details: `Event stream '${stream}' is deleted.`,
  metadata: trailers({ exception: 'stream-deleted', 'stream-name': stream }),
});

/** Delete/Tombstone report WEV as an RPC error (appends report it in-band). */
export const wrongExpectedVersion = (
  operation: string,
  stream: string,
  expected: number,
  actual: number,
): RpcError => ({
  code: status.FAILED_PRECONDITION,
  details: `${operation} failed due to WrongExpectedVersion. Stream: ${stream}, Expected version: ${expected}, Actual version: ${actual}`,
  metadata: trailers({
    exception: 'wrong-expected-version',
    'stream-name': stream,
    'expected-version': String(expected),
    'actual-version': String(actual),
  }),
});

export const maxAppendSizeExceeded = (maxAppendSize: number): RpcError => ({
  code: status.INVALID_ARGUMENT,
  details: `Maximum Append Size of ${maxAppendSize} Exceeded.`,
  metadata: trailers({ exception: 'maximum-append-size-exceeded', 'maximum-append-size': String(maxAppendSize) }),
});

export const requiredMetadataPropertyMissing = (property: string): RpcError => ({
  code: status.INVALID_ARGUMENT,
  details: `Required Metadata Property '${property}' is missing`,
  metadata: trailers({
    exception: 'missing-required-metadata-property',
    'required-metadata-properties': 'type,content-type',
  }),
});

export const invalidArgument = (details: string): RpcError => ({ code: status.INVALID_ARGUMENT, details });

export const notLeader = (host: string, port: number): RpcError => ({
  code: status.NOT_FOUND,
  details: 'Leader info available',
  metadata: trailers({ exception: 'not-leader', 'leader-endpoint-host': host, 'leader-endpoint-port': String(port) }),
});
