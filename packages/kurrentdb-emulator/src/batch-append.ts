/** `Streams/BatchAppend`: one long-lived bidi call per client, appends multiplexed by correlation id,
 * each answered in-band (success or a google.rpc.Status), with the server's deadline handling. */
import { status } from '@grpc/grpc-js';
import {
  anyPb,
  emptyPb,
  sharedPb,
  statusPb,
  streamsPb,
  type BatchAppendReq,
  type BatchAppendResp,
  type UUID,
} from './protocol.js';
import { guarded } from './call-guard.js';
import { batchWrongExpectedVersion, expectedOfBatch } from './wire-expected-revision.js';
import type { ProposedEvent, WriteOutcome } from './records.js';
import { deadlineTimer, timeLeftMs } from './batch-deadline.js';
import type { StreamsContext, StreamsHandlers } from './streams-context.js';
import {
  WireEventError,
  eventSize,
  invalidArgument,
  parseProposedEvent,
  streamIdentifier,
  streamNameOf,
  uuidOf,
  type RpcError,
} from './wire.js';

// google.rpc.Code values used in BatchAppend errors.
const INVALID_ARGUMENT = 3;
const DEADLINE_EXCEEDED = 4;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

export function batchAppendHandler({
  log,
  faults,
  maxAppendSize,
  reportBug,
}: StreamsContext): StreamsHandlers['batchAppend'] {
  return (call) => {
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
          if (!(error instanceof WireEventError)) throw error;
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
}

type Status = InstanceType<typeof statusPb.Status>;

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
