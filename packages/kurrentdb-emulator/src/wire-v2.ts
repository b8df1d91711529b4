/** The v2 streams API's records and errors (KurrentDB.Api.V2: Mapping, AppendRecordExtensions, ApiErrors). */
import { randomUUID } from 'node:crypto';
import { Metadata, status } from '@grpc/grpc-js';
import type { Message } from 'google-protobuf';
import type { AppendRecord } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_pb.js';
import { anyPb, statusPb, streamsV2ErrorsPb, streamsV2Pb, structPb } from './protocol.js';
import type { ProposedEvent } from './records.js';
import type { RpcError } from './wire.js';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMPTY_UUID = '00000000-0000-0000-0000-000000000000';
/** SchemaNameValidator. */
const SCHEMA_NAME = /^[\p{L}\p{N}_.$:-]+$/u;
const SCHEMA_FORMAT_NAMES: Record<number, string> = { 1: 'Json', 2: 'Protobuf', 3: 'Avro', 4: 'Bytes' };
const ERRORS_PACKAGE = 'kurrentdb.protocol.v2.streams.errors';

/** Thrown while reading a v2 request; the handler fails the call with `rpcError`. */
export class V2RequestError extends Error {
  constructor(readonly rpcError: RpcError) {
    super(rpcError.details);
  }
}

/** A record ready for the log, with the size the server counts against its limits. */
export interface PreparedRecord {
  readonly stream: string;
  readonly event: ProposedEvent;
  readonly size: number;
}

/**
 * PreProcessRecord, validation and MapToEvent: a missing id is generated, the format and schema id
 * join the properties, and the properties are stored as the record's metadata. A v1 read then sees
 * them as JSON with `$schema.name` and `$schema.format` added (EventRecord.SynthesizeMetadataFromProperties),
 * which is what is stored here.
 */
export function prepareRecord(record: AppendRecord, stream: string): PreparedRecord {
  const id = record.hasRecordId() ? record.getRecordId()! : randomUUID();
  if (!UUID_PATTERN.test(id) || id === EMPTY_UUID)
    throw invalidRequest(`Record ID must be a valid and non-empty UUID.`);
  const schema = record.getSchema();
  const format = schema?.getFormat() ?? 0;
  const formatName = SCHEMA_FORMAT_NAMES[format];
  if (formatName === undefined) throw invalidRequest('Schema format must be specified.');
  const name = schema?.getName() ?? '';
  if (name === '') throw invalidRequest('Schema name must not be empty');
  if (name.normalize('NFC') !== name) throw invalidRequest('Schema name must be in Unicode NFC (Normalization Form C)');
  if (!SCHEMA_NAME.test(name)) {
    throw invalidRequest(
      `Schema name can only contain unicode letters, digits, underscores, dashes, periods, colons, and dollar signs. Attempted Value: ${name}`,
    );
  }
  const properties = new structPb.Struct();
  const fields = properties.getFieldsMap();
  record.getPropertiesMap().forEach((value, key) => {
    if (key === '') throw invalidRequest('Property keys must not be empty.');
    if (value.getKindCase() === structPb.Value.KindCase.KIND_NOT_SET)
      throw invalidRequest('Property values must have a type set.');
    fields.set(key, value);
  });
  if (format !== streamsV2Pb.SchemaFormat.SCHEMA_FORMAT_JSON) fields.set('$schema.format', stringValue(formatName));
  if (schema?.hasId()) fields.set('$schema.id', stringValue(schema.getId()!));
  const data = record.getData_asU8();
  // CalculateSizeOnDisk: data, the properties as a protobuf Struct, the schema name in UTF-8.
  const size = data.length + properties.serializeBinary().length + Buffer.byteLength(name, 'utf8');

  const metadata: Record<string, unknown> = {
    ...(properties.toJavaScript() as Record<string, unknown>),
    '$schema.name': name,
  };
  if (format === streamsV2Pb.SchemaFormat.SCHEMA_FORMAT_JSON) metadata['$schema.format'] = 'Json';
  const event: ProposedEvent = {
    id: id.toLowerCase(),
    type: name,
    contentType:
      format === streamsV2Pb.SchemaFormat.SCHEMA_FORMAT_JSON ? 'application/json' : 'application/octet-stream',
    data,
    customMetadata: Buffer.from(JSON.stringify(metadata), 'utf8'),
  };
  return { stream, event, size };
}

/** StreamNameValidator. */
export function validateStreamName(stream: string): void {
  if (stream === '') throw invalidRequest('Stream must not be empty.');
  if (stream === '$$') throw invalidRequest("Stream must not be '$$'.");
}

function stringValue(text: string) {
  return new structPb.Value().setStringValue(text);
}

/** ApiErrors.InvalidRequest: the request failed the server's validators. */
export function invalidRequest(message: string): V2RequestError {
  return new V2RequestError({ code: status.INVALID_ARGUMENT, details: message });
}

/**
 * RpcExceptions.FromError: a status with the error's details packed in `grpc-status-details-bin`. (The
 * server puts an ErrorInfo before them; the client reads only the last detail, so it is left out.)
 */
function errorWithDetails(code: status, message: string, detail?: { message: Message; type: string }): RpcError {
  const metadata = new Metadata();
  const statusMessage = new statusPb.Status()
    .setCode(code as number as Parameters<InstanceType<typeof statusPb.Status>['setCode']>[0])
    .setMessage(message);
  if (detail) {
    statusMessage.setDetails(
      new anyPb.Any()
        .setTypeUrl(`type.googleapis.com/${ERRORS_PACKAGE}.${detail.type}`)
        .setValue(detail.message.serializeBinary()),
    );
  }
  metadata.set('grpc-status-details-bin', Buffer.from(statusMessage.serializeBinary()));
  return { code, details: message, metadata };
}

export const streamRevisionConflict = (stream: string, expected: number, actual: number): RpcError =>
  errorWithDetails(
    status.FAILED_PRECONDITION,
    `Append failed due to a revision conflict on stream '${stream}'. Expected revision: ${expected}. Actual revision: ${actual}.`,
    {
      type: 'StreamRevisionConflictErrorDetails',
      message: new streamsV2ErrorsPb.StreamRevisionConflictErrorDetails()
        .setStream(stream)
        .setExpectedRevision(String(expected))
        .setActualRevision(String(actual)),
    },
  );

export const streamTombstoned = (stream: string): RpcError =>
  errorWithDetails(
    status.FAILED_PRECONDITION,
    `Stream '${stream}' has been tombstoned. It has been permanently removed from the system and cannot be restored.`,
    {
      type: 'StreamTombstonedErrorDetails',
      message: new streamsV2ErrorsPb.StreamTombstonedErrorDetails().setStream(stream),
    },
  );

export const streamAlreadyInAppendSession = (stream: string): RpcError =>
  errorWithDetails(
    status.ABORTED,
    `Stream '${stream}' already has a different group of messages in this session. Appends for the same stream must currently be grouped together and not interleaved with appends for other streams.`,
    {
      type: 'StreamAlreadyInAppendSessionErrorDetails',
      message: new streamsV2ErrorsPb.StreamAlreadyInAppendSessionErrorDetails().setStream(stream),
    },
  );

export const appendSessionNoRequests = (): RpcError =>
  errorWithDetails(
    status.FAILED_PRECONDITION,
    'Append session started, but no append requests were sent before ending the session.',
  );

export const appendRecordSizeExceeded = (stream: string, recordId: string, size: number, maxSize: number): RpcError =>
  errorWithDetails(
    status.INVALID_ARGUMENT,
    `The size of record ${recordId} (${size} bytes) exceeds the maximum allowed size of ${maxSize} bytes by ${size - maxSize} bytes`,
    {
      type: 'AppendRecordSizeExceededErrorDetails',
      message: new streamsV2ErrorsPb.AppendRecordSizeExceededErrorDetails()
        .setStream(stream)
        .setRecordId(recordId)
        .setSize(size)
        .setMaxSize(maxSize),
    },
  );

export const appendTransactionSizeExceeded = (records: number, size: number, maxSize: number): RpcError =>
  errorWithDetails(
    status.ABORTED,
    `Transaction size (${size} bytes) exceeded the maximum allowed size of ${maxSize} bytes by ${size - maxSize} bytes, after ${records} record(s).`,
    {
      type: 'AppendTransactionSizeExceededErrorDetails',
      message: new streamsV2ErrorsPb.AppendTransactionSizeExceededErrorDetails().setSize(size).setMaxSize(maxSize),
    },
  );

export interface Violation {
  readonly checkIndex: number;
  readonly stream: string;
  readonly expected: number;
  /** -1 not found, -5 soft-deleted, -6 tombstoned, else the revision. */
  readonly actual: number;
}

export function appendConsistencyViolation(violations: readonly Violation[]): RpcError {
  const details = new streamsV2ErrorsPb.AppendConsistencyViolationErrorDetails().setViolationsList(
    violations.map((violation) =>
      new streamsV2ErrorsPb.ConsistencyViolation()
        .setCheckIndex(violation.checkIndex)
        .setStreamState(
          new streamsV2ErrorsPb.ConsistencyViolation.StreamStateViolation()
            .setStream(violation.stream)
            .setExpectedState(String(violation.expected))
            .setActualState(String(violation.actual)),
        ),
    ),
  );
  const lines = violations.map(
    (violation) => `  - ${violation.stream}: expected ${violation.expected}, actual ${violation.actual}.`,
  );
  return errorWithDetails(
    status.FAILED_PRECONDITION,
    `Failed to append transaction due to consistency violations.\n${lines.join('\n')}`,
    {
      type: 'AppendConsistencyViolationErrorDetails',
      message: details,
    },
  );
}
