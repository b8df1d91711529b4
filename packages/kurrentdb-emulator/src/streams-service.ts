/** `event_store.client.streams.Streams`: Append, BatchAppend, Read, Delete, Tombstone. */
import { sharedPb, streamsPb, type AppendReq, type AppendResp, type DeleteReq, type TombstoneReq } from './protocol.js';
import type { StreamsContext, StreamsHandlers } from './streams-context.js';
import { guarded } from './call-guard.js';
import { appendWrongExpectedVersion, expectedOf } from './wire-expected-revision.js';
import type { ProposedEvent, WriteOutcome } from './records.js';
import { batchAppendHandler } from './batch-append.js';
import { readAll, readStream } from './reads.js';
import { failStream } from './response-writer.js';
import { subscribe } from './subscriptions.js';
import {
  WireEventError,
  eventSize,
  invalidArgument,
  maxAppendSizeExceeded,
  parseProposedEvent,
  streamDeleted,
  streamNameOf,
  wrongExpectedVersion,
  type RpcError,
} from './wire.js';

export function streamsService(context: StreamsContext): StreamsHandlers {
  const { log, faults, maxAppendSize, reportBug } = context;
  const reader = context.reader ?? log;

  const read: StreamsHandlers['read'] = (call) => {
    const fail = (error: RpcError) => failStream(call, error);
    guarded('Read', reportBug, fail, () => {
      const fault = faults.before('Read');
      if (fault) return fail(fault);
      const options = call.request.getOptions();
      if (!options || (!options.hasStream() && !options.hasAll()))
        return fail(invalidArgument('Read options are required.'));
      if (!options.hasUuidOption()) return fail(invalidArgument("'uuidOption' is a required argument."));
      if (options.hasSubscription()) return subscribe(call, log, options, (error) => fail(reportBug('Read', error)));
      return options.hasStream() ? readStream(call, reader, options) : readAll(call, reader, options);
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
      guarded(
        'Append',
        reportBug,
        fail,
        () => {
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
        },
        rejectInvalidEvents(fail),
      ),
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

  const batchAppend = batchAppendHandler(context);

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

/** Invalid events fail an Append call with the RPC error the server throws. */
function rejectInvalidEvents(fail: (error: RpcError) => void) {
  return (error: unknown): boolean => {
    if (!(error instanceof WireEventError)) return false;
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
