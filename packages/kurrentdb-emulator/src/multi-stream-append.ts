/**
 * `kurrentdb.protocol.v2.streams.StreamsService`: AppendSession (the client's multiStreamAppend, 25.1+)
 * and AppendRecords (appendRecords with consistency checks, 26.1+), as KurrentDB.Api.V2's
 * StreamsService builds them into one multi-stream WriteEvents.
 */
import type { IStreamsServiceServer } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_grpc_pb.js';
import type { AppendRequest } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_pb.js';
import type { BugReporter } from './call-guard.js';
import { guarded } from './call-guard.js';
import type { FaultInjector } from './faults.js';
import {
  TOMBSTONED_VERSION,
  WIRE_SOFT_DELETED,
  WIRE_TOMBSTONED,
  type InMemoryLog,
  type TransactionStream,
} from './log.js';
import { streamsV2Pb } from './protocol.js';
import type { ProposedEvent } from './records.js';
import { WIRE_ANY, WIRE_NO_STREAM, WIRE_STREAM_EXISTS } from './records.js';
import type { RpcError } from './wire.js';
import {
  V2RequestError,
  appendConsistencyViolation,
  appendRecordSizeExceeded,
  appendSessionNoRequests,
  appendTransactionSizeExceeded,
  invalidRequest,
  prepareRecord,
  streamAlreadyInAppendSession,
  streamRevisionConflict,
  streamTombstoned,
  validateStreamName,
  type Violation,
} from './wire-v2.js';

export interface MultiStreamContext {
  readonly log: InMemoryLog;
  readonly faults: FaultInjector;
  /** MaxAppendSize: bytes per transaction. */
  readonly maxAppendSize: number;
  /** MaxAppendEventSize: bytes per record. */
  readonly maxRecordSize: number;
  readonly reportBug: BugReporter;
}

/** Stream names are compared ignoring case within one request (the server's OrdinalIgnoreCase). */
const key = (stream: string) => stream.toUpperCase();

/** Accumulates records against the transaction's size limits, as the commands' WithRequest do. */
class SizeBudget {
  #total = 0;
  #records = 0;
  constructor(private readonly context: MultiStreamContext) {}

  add(stream: string, size: number, recordId: string): void {
    if (size > this.context.maxRecordSize)
      throw new V2RequestError(appendRecordSizeExceeded(stream, recordId, size, this.context.maxRecordSize));
    this.#records++;
    if ((this.#total += size) > this.context.maxAppendSize) {
      throw new V2RequestError(appendTransactionSizeExceeded(this.#records, this.#total, this.context.maxAppendSize));
    }
  }
}

export function multiStreamService(context: MultiStreamContext): IStreamsServiceServer {
  const { log, faults, reportBug } = context;
  const rejectRequestErrors = (fail: (error: RpcError) => void) => (error: unknown) => {
    if (!(error instanceof V2RequestError)) return false;
    fail(error.rpcError);
    return true;
  };

  const appendSession: IStreamsServiceServer['appendSession'] = (call, callback) => {
    const streams: (TransactionStream & { readonly sentExpected: number })[] = [];
    const seen = new Set<string>();
    const budget = new SizeBudget(context);
    let replied = false;
    const fail = (error: RpcError) => {
      if (replied) return;
      replied = true;
      callback(error);
    };

    call.on('data', (request: AppendRequest) =>
      guarded(
        'AppendSession',
        reportBug,
        fail,
        () => {
          if (replied) return;
          // AppendRequestValidator, then AppendSessionCommand.WithRequest.
          const stream = request.getStream();
          validateStreamName(stream);
          const expected = request.hasExpectedRevision() ? Number(request.getExpectedRevision()) : WIRE_ANY;
          if (!(
            expected >= 0 ||
            expected === WIRE_ANY ||
            expected === WIRE_NO_STREAM ||
            expected === WIRE_STREAM_EXISTS
          )) {
            throw invalidRequest(
              'Expected revision must be positive or one of the allowed constants: NoStream (-1), Any (-2) or Exists (-4).',
            );
          }
          if (request.getRecordsList().length === 0)
            throw invalidRequest('Stream append request must contain at least one record');
          if (seen.has(key(stream))) throw new V2RequestError(streamAlreadyInAppendSession(stream));
          seen.add(key(stream));
          const events: ProposedEvent[] = [];
          for (const record of request.getRecordsList()) {
            const prepared = prepareRecord(record, stream);
            budget.add(stream, prepared.size, prepared.event.id);
            events.push(prepared.event);
          }
          streams.push({ stream, expected, sentExpected: Number(request.getExpectedRevision() ?? 0), events });
        },
        rejectRequestErrors(fail),
      ),
    );
    call.on('end', () =>
      guarded('AppendSession', reportBug, fail, () => {
        if (replied) return;
        if (streams.length === 0) return fail(appendSessionNoRequests());
        const fault = faults.before('AppendSession');
        if (fault) return fail(fault);
        const outcome = log.commitTransaction(streams);
        if (outcome.kind === 'failed') {
          // The session reports the first failure only.
          const first = outcome.failures[0]!;
          const failed = streams[first.index]!;
          return fail(
            outcome.deleted
              ? streamTombstoned(failed.stream)
              : streamRevisionConflict(failed.stream, failed.sentExpected, first.actual),
          );
        }
        const dropped = faults.afterWrite('AppendSession');
        if (dropped) return fail(dropped);
        replied = true;
        callback(
          null,
          new streamsV2Pb.AppendSessionResponse()
            .setOutputList(
              streams.map((entry, index) =>
                new streamsV2Pb.AppendResponse()
                  .setStream(entry.stream)
                  .setStreamRevision(String(outcome.lastRevisions[index])),
              ),
            )
            .setPosition(String(outcome.position)),
        );
      }),
    );
  };

  const appendRecords: IStreamsServiceServer['appendRecords'] = (call, callback) => {
    const fail = (error: RpcError) => callback(error);
    guarded(
      'AppendRecords',
      reportBug,
      fail,
      () => {
        const request = call.request;
        // AppendRecordsRequestValidator.
        if (request.getRecordsList().length === 0)
          throw invalidRequest('Append records request must contain at least one record.');
        const states: { stream: string; expected: number }[] = [];
        const indexOf = new Map<string, number>();
        const checked = new Set<string>();
        for (const check of request.getChecksList()) {
          const state = check.getStreamState();
          if (!state) throw invalidRequest('Each consistency check must specify a type.');
          const stream = state.getStream();
          validateStreamName(stream);
          const expected = Number(state.getExpectedState());
          if (!(
            expected >= 0 || [WIRE_NO_STREAM, WIRE_STREAM_EXISTS, WIRE_SOFT_DELETED, WIRE_TOMBSTONED].includes(expected)
          )) {
            throw invalidRequest(
              'Expected state must be positive or one of the allowed constants: NoStream (-1), Exists (-4), Deleted (-5), or Tombstoned (-6). Any (-2) is not allowed.',
            );
          }
          if (checked.has(key(stream))) throw invalidRequest('Each stream can only appear once in consistency checks.');
          checked.add(key(stream));
        }
        // AppendRecordsCommand.WithRequest: the checks first, then each record's stream (ANY unless checked).
        for (const check of request.getChecksList()) {
          const state = check.getStreamState()!;
          if (!indexOf.has(key(state.getStream()))) indexOf.set(key(state.getStream()), states.length);
          states.push({ stream: state.getStream(), expected: Number(state.getExpectedState()) });
        }
        const events = new Map<number, ProposedEvent[]>();
        const budget = new SizeBudget(context);
        for (const record of request.getRecordsList()) {
          const stream = record.getStream();
          validateStreamName(stream);
          const prepared = prepareRecord(record, stream);
          let index = indexOf.get(key(stream));
          if (index === undefined) {
            index = states.length;
            indexOf.set(key(stream), index);
            states.push({ stream, expected: WIRE_ANY });
          }
          budget.add(stream, prepared.size, prepared.event.id);
          const list = events.get(index) ?? [];
          list.push(prepared.event);
          events.set(index, list);
        }
        const fault = faults.before('AppendRecords');
        if (fault) return fail(fault);
        const transaction = states.map((state, index) => ({
          stream: states[indexOf.get(key(state.stream))!]!.stream,
          expected: state.expected,
          events: events.get(index) ?? [],
        }));
        const outcome = log.commitTransaction(transaction);
        if (outcome.kind === 'failed') {
          const violations: Violation[] = outcome.failures.map((failure) => ({
            checkIndex: failure.index,
            stream: states[failure.index]!.stream,
            expected: states[failure.index]!.expected,
            actual:
              failure.actual === TOMBSTONED_VERSION
                ? WIRE_TOMBSTONED
                : failure.softDeleted
                  ? WIRE_SOFT_DELETED
                  : failure.actual,
          }));
          return fail(appendConsistencyViolation(violations));
        }
        const dropped = faults.afterWrite('AppendRecords');
        if (dropped) return fail(dropped);
        callback(
          null,
          new streamsV2Pb.AppendRecordsResponse()
            .setRevisionsList(
              [...events.keys()].map((index) =>
                new streamsV2Pb.StreamRevision()
                  .setStream(states[index]!.stream)
                  .setRevision(String(outcome.lastRevisions[index])),
              ),
            )
            .setPosition(String(outcome.position)),
        );
      },
      rejectRequestErrors(fail),
    );
  };

  return { appendSession, appendRecords };
}
