/** `event_store.client.streams.Streams`: Append, BatchAppend, Read, Delete, Tombstone. */
import { status } from '@grpc/grpc-js';
import type { IStreamsServer } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';
import {
  anyPb,
  emptyPb,
  sharedPb,
  statusPb,
  streamsPb,
  type AppendReq,
  type AppendResp,
  type BatchAppendReq,
  type BatchAppendResp,
  type DeleteReq,
  type TombstoneReq,
  type UUID,
} from './protocol.js';
import type { InMemoryLog } from './log.js';
import type { FaultInjector } from './faults.js';
import { guarded, type BugReporter } from './call-guard.js';
import { appendWrongExpectedVersion, batchWrongExpectedVersion, expectedOf, expectedOfBatch } from './expected-revision.js';
import type { ProposedEvent, WriteOutcome } from './records.js';
import { deadlineTimer, timeLeftMs } from './batch-deadline.js';
import { readAll, readStream } from './reads.js';
import { failStream } from './response-writer.js';
import { subscribe } from './subscriptions.js';
import {
  InvalidEventError,
  eventSize,
  invalidArgument,
  maxAppendSizeExceeded,
  parseProposedEvent,
  streamDeleted,
  streamIdentifier,
  streamNameOf,
  uuidOf,
  wrongExpectedVersion,
  type RpcError,
} from './wire.js';

export interface StreamsContext {
  readonly log: InMemoryLog;
  readonly faults: FaultInjector;
  readonly maxAppendSize: number;
  readonly reportBug: BugReporter;
}

/** The generated server interface: read, append, batchAppend, delete, tombstone. */
export type StreamsHandlers = IStreamsServer;

// google.rpc.Code values used in BatchAppend errors.
const INVALID_ARGUMENT = 3;
const DEADLINE_EXCEEDED = 4;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

export function streamsService(context: StreamsContext): StreamsHandlers {
  const { log, faults, maxAppendSize, reportBug } = context;

  const read: StreamsHandlers['read'] = (call) => {
    const fail = (error: RpcError) => failStream(call, error);
    guarded('Read', reportBug, fail, () => {
      const fault = faults.before('Read');
      if (fault) return fail(fault);
      const options = call.request.getOptions();
      if (!options || (!options.hasStream() && !options.hasAll())) return fail(invalidArgument('Read options are required.'));
      if (!options.hasUuidOption()) return fail(invalidArgument("'uuidOption' is a required argument."));
      if (options.hasSubscription()) return subscribe(call, log, options, (error) => fail(reportBug('Read', error)));
      return options.hasStream() ? readStream(call, log, options) : readAll(call, log, options);
    });
  };

  const append: StreamsHandlers['append'] = (call, callback) => {
    let options: AppendReq.Options | undefined;
    const events: ProposedEvent[] = [];
    let size = 0;
    let replied = false;
    const reply = (error: RpcError | null, response?: AppendResp) => {
      if (replied) return;
      replied = true;
      if (error) callback(error);
      else callback(null, response);
    };
    const fail = (error: RpcError) => reply(error);

    call.on('data', (request: AppendReq) =>
      guarded('Append', reportBug, fail, () => {
        if (replied) return;
        if (!options) {
          if (!request.hasOptions()) return fail(invalidArgument('The first AppendReq must carry options.'));
          options = request.getOptions();
          return;
        }
        if (!request.hasProposedMessage()) return fail(invalidArgument('Expected a proposed message.'));
        const event = parseProposedEvent(request.getProposedMessage()!);
        // Checked per message, like the server: the call fails as soon as the total is too big.
        size += eventSize(event);
        if (size > maxAppendSize) return fail(maxAppendSizeExceeded(maxAppendSize));
        events.push(event);
      }, rejectInvalidEvents(fail)),
    );
    call.on('end', () =>
      guarded('Append', reportBug, fail, () => {
        if (replied) return;
        if (!options) return fail(invalidArgument('The first AppendReq must carry options.'));
        const fault = faults.before('Append');
        if (fault) return fail(fault);
        const stream = streamNameOf(options.getStreamIdentifier());
        const expected = expectedOf(options);
        if (expected === undefined) return fail(invalidArgument('An expected stream revision is required.'));
        const outcome = log.append(stream, expected, events);
        if (outcome.kind === 'stream-deleted') return fail(streamDeleted(stream));
        if (outcome.kind === 'wrong-expected-version') {
          // WEV is in-band on Append: status OK.
          const wev = appendWrongExpectedVersion(expected, outcome.currentRevision);
          return reply(null, new streamsPb.AppendResp().setWrongExpectedVersion(wev));
        }
        const dropped = faults.afterWrite('Append');
        if (dropped) return fail(dropped);
        reply(null, new streamsPb.AppendResp().setSuccess(appendSuccess(outcome)));
      }),
    );
  };

  const batchAppend: StreamsHandlers['batchAppend'] = (call) => {
    interface PendingAppend {
      readonly correlationId: UUID;
      readonly stream: string;
      readonly expected: number;
      readonly events: ProposedEvent[];
      size: number;
      readonly cancelTimer: () => void;
    }
    const pending = new Map<string, PendingAppend>();
    let failed = false;
    let ended = false;
    // A fault or bug ends the whole bidi stream; the client rejects every append in flight.
    const fail = (error: RpcError) => {
      if (failed) return;
      failed = true;
      settleAll();
      call.emit('error', error);
    };
    const respond = (correlationId: UUID | undefined, stream: string, result: BatchAppendResp.Success | Status) => {
      if (failed || ended || call.cancelled || call.writableEnded) return;
      const response = new streamsPb.BatchAppendResp()
        .setCorrelationId(correlationId)
        .setStreamIdentifier(streamIdentifier(stream));
      if (result instanceof statusPb.Status) response.setError(result);
      else response.setSuccess(result);
      call.write(response);
    };
    /** Removes an append from `pending` and stops its deadline timer. */
    const settle = (key: string): PendingAppend | undefined => {
      const append = pending.get(key);
      if (!append) return undefined;
      pending.delete(key);
      append.cancelTimer();
      return append;
    };
    const settleAll = () => [...pending.keys()].forEach(settle);
    // Like the server's timer: an append whose final request has not arrived by its deadline times out.
    const expire = (key: string) =>
      guarded('BatchAppend', reportBug, fail, () => {
        const append = settle(key);
        if (append) respond(append.correlationId, append.stream, timeoutStatus());
      });

    call.on('data', (request: BatchAppendReq) =>
      guarded('BatchAppend', reportBug, fail, () => {
        if (failed) return;
        const correlationId = request.getCorrelationId();
        const key = uuidOf(correlationId);
        if (key === undefined) return fail(invalidArgument('BatchAppendReq.correlation_id must be a valid UUID.'));
        const options = request.getOptions();
        if (options) {
          const stream = streamNameOf(options.getStreamIdentifier());
          // The server checks the deadline first: an expired request is answered Timeout, unwritten.
          const timeLeft = timeLeftMs(options);
          if (timeLeft <= 0) {
            settle(key);
            return respond(correlationId!, stream, timeoutStatus());
          }
          const expected = expectedOfBatch(options);
          if (expected === undefined) {
            settle(key);
            return respond(correlationId, stream, badRequest('An expected stream position is required.'));
          }
          settle(key);
          pending.set(key, {
            correlationId: correlationId!,
            stream,
            expected,
            events: [],
            size: 0,
            cancelTimer: deadlineTimer(timeLeft, () => expire(key)),
          });
        }
        const append = pending.get(key);
        if (!append) return; // never opened, already answered, or timed out: the server ignores it
        try {
          for (const message of request.getProposedMessagesList()) {
            const event = parseProposedEvent(message);
            append.size += eventSize(event);
            append.events.push(event);
          }
        } catch (error) {
          if (!(error instanceof InvalidEventError)) throw error;
          settle(key);
          // BatchAppend catches the exception and answers BadRequest in-band.
          return respond(correlationId, append.stream, badRequest(error.message));
        }
        if (append.size > maxAppendSize) {
          settle(key);
          return respond(correlationId, append.stream, maxAppendSizeStatus(maxAppendSize));
        }
        if (!request.getIsFinal()) return;
        settle(key);

        const fault = faults.before('BatchAppend');
        // A server that runs out of time answers that append alone, in-band; other faults drop the call.
        if (fault?.code === status.DEADLINE_EXCEEDED) return respond(correlationId, append.stream, timeoutStatus());
        if (fault) return fail(fault);
        const outcome = log.append(append.stream, append.expected, append.events);
        if (outcome.kind === 'success') {
          const dropped = faults.afterWrite('BatchAppend');
          if (dropped) return fail(dropped);
        }
        respond(correlationId, append.stream, batchResult(append.stream, append.expected, outcome));
      }),
    );
    call.on('end', () => {
      settleAll();
      if (!failed) call.end();
      ended = true;
    });
    // The client went away: stop the deadline timers of its unfinished appends.
    call.on('error', settleAll);
    call.on('cancelled', settleAll);
    call.on('close', settleAll);
  };

  /** Delete and Tombstone differ only in `hard` and in their response class. */
  const deleteStream = (
    method: 'Delete' | 'Tombstone',
    hard: boolean,
    options: DeleteReq.Options | TombstoneReq.Options | undefined,
    fail: (error: RpcError) => void,
    succeed: (position: string) => void,
  ) =>
    guarded(method, reportBug, fail, () => {
      const fault = faults.before(method);
      if (fault) return fail(fault);
      if (!options) return fail(invalidArgument(`${method} options are required.`));
      const stream = streamNameOf(options.getStreamIdentifier());
      const expected = expectedOf(options);
      if (expected === undefined) return fail(invalidArgument('An expected stream revision is required.'));
      const outcome = log.delete(stream, expected, hard);
      if (outcome.kind === 'stream-deleted') return fail(streamDeleted(stream));
      if (outcome.kind === 'wrong-expected-version') {
        // The server names both operations "Delete" in this message.
        return fail(wrongExpectedVersion('Delete', stream, expected, outcome.currentRevision));
      }
      const dropped = faults.afterWrite(method);
      if (dropped) return fail(dropped);
      succeed(String(outcome.position));
    });

  return {
    read,
    append,
    batchAppend,
    delete: (call, callback) =>
      deleteStream('Delete', false, call.request.getOptions(), callback, (position) =>
        callback(
          null,
          new streamsPb.DeleteResp().setPosition(
            new streamsPb.DeleteResp.Position().setCommitPosition(position).setPreparePosition(position),
          ),
        ),
      ),
    tombstone: (call, callback) =>
      deleteStream('Tombstone', true, call.request.getOptions(), callback, (position) =>
        callback(
          null,
          new streamsPb.TombstoneResp().setPosition(
            new streamsPb.TombstoneResp.Position().setCommitPosition(position).setPreparePosition(position),
          ),
        ),
      ),
  };
}

type Status = InstanceType<typeof statusPb.Status>;

/** Invalid events fail an Append call with the RPC error the server throws. */
function rejectInvalidEvents(fail: (error: RpcError) => void) {
  return (error: unknown): boolean => {
    if (!(error instanceof InvalidEventError)) return false;
    fail(error.rpcError);
    return true;
  };
}

function appendSuccess(outcome: Extract<WriteOutcome, { kind: 'success' }>): AppendResp.Success {
  const success = new streamsPb.AppendResp.Success();
  if (outcome.lastRevision < 0) success.setNoStream(new sharedPb.Empty());
  else success.setCurrentRevision(String(outcome.lastRevision));
  if (outcome.position < 0) success.setNoPosition(new sharedPb.Empty());
  else {
    success.setPosition(
      new streamsPb.AppendResp.Position()
        .setCommitPosition(String(outcome.position))
        .setPreparePosition(String(outcome.position)),
    );
  }
  return success;
}

function batchResult(stream: string, expected: number, outcome: WriteOutcome): BatchAppendResp.Success | Status {
  switch (outcome.kind) {
    case 'success': {
      const success = new streamsPb.BatchAppendResp.Success();
      if (outcome.lastRevision < 0) success.setNoStream(new emptyPb.Empty());
      else success.setCurrentRevision(String(outcome.lastRevision));
      if (outcome.position < 0) success.setNoPosition(new emptyPb.Empty());
      else {
        success.setPosition(
          new sharedPb.AllStreamPosition()
            .setCommitPosition(String(outcome.position))
            .setPreparePosition(String(outcome.position)),
        );
      }
      return success;
    }
    case 'wrong-expected-version':
      return rpcStatus(
        ALREADY_EXISTS,
        'WrongExpectedVersion',
        batchWrongExpectedVersion(expected, outcome.currentRevision),
        'event_store.client.WrongExpectedVersion',
      );
    case 'stream-deleted':
      return rpcStatus(
        NOT_FOUND,
        'StreamDeleted',
        new sharedPb.StreamDeleted().setStreamIdentifier(streamIdentifier(stream)),
        'event_store.client.StreamDeleted',
      );
  }
}

const badRequest = (message: string): Status =>
  rpcStatus(INVALID_ARGUMENT, message, new sharedPb.BadRequest().setMessage(message), 'event_store.client.BadRequest');

/** The server's `Status.Timeout`: an append whose deadline passed before it was written. */
const timeoutStatus = (): Status =>
  rpcStatus(DEADLINE_EXCEEDED, 'Timeout', new sharedPb.Timeout(), 'event_store.client.Timeout');

const maxAppendSizeStatus = (maxAppendSize: number): Status =>
  rpcStatus(
    INVALID_ARGUMENT,
    'MaximumAppendSizeExceeded',
    new sharedPb.MaximumAppendSizeExceeded().setMaxappendsize(maxAppendSize),
    'event_store.client.MaximumAppendSizeExceeded',
  );

/** google.rpc.Status with its detail packed as `type.googleapis.com/<name>`, as the server's Any.Pack does. */
function rpcStatus(code: number, message: string, detail: { serializeBinary(): Uint8Array }, typeName: string): Status {
  const details = new anyPb.Any();
  details.pack(detail.serializeBinary(), typeName);
  return new statusPb.Status().setCode(code).setMessage(message).setDetails(details);
}
