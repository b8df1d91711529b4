/** The expected-revision oneofs of each request, mapped to the server's long encoding. */
import {
  emptyPb,
  sharedPb,
  streamsPb,
  type AppendReq,
  type AppendResp,
  type BatchAppendReq,
  type DeleteReq,
  type TombstoneReq,
} from './protocol.js';
import { WIRE_ANY, WIRE_NO_STREAM, WIRE_STREAM_EXISTS } from './records.js';
import type { WrongExpectedVersion } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';

type RevisionOptions = AppendReq.Options | DeleteReq.Options | TombstoneReq.Options;

/** undefined when the oneof is not set (the server answers INVALID_ARGUMENT). */
export function expectedOf(options: RevisionOptions): number | undefined {
  // The three messages number this oneof identically, so AppendReq's enum reads all of them.
  const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
  switch (options.getExpectedStreamRevisionCase() as number) {
    case Case.REVISION:
      return Number(options.getRevision());
    case Case.NO_STREAM:
      return WIRE_NO_STREAM;
    case Case.ANY:
      return WIRE_ANY;
    case Case.STREAM_EXISTS:
      return WIRE_STREAM_EXISTS;
    default:
      return undefined;
  }
}

export function expectedOfBatch(options: BatchAppendReq.Options): number | undefined {
  const Case = streamsPb.BatchAppendReq.Options.ExpectedStreamPositionCase;
  switch (options.getExpectedStreamPositionCase()) {
    case Case.STREAM_POSITION:
      return Number(options.getStreamPosition());
    case Case.NO_STREAM:
      return WIRE_NO_STREAM;
    case Case.ANY:
      return WIRE_ANY;
    case Case.STREAM_EXISTS:
      return WIRE_STREAM_EXISTS;
    default:
      return undefined;
  }
}

/** The in-band WEV of v1 Append, with the legacy 20.6.0 fields a real server also fills. */
export function appendWrongExpectedVersion(expected: number, current: number): AppendResp.WrongExpectedVersion {
  const wev = new streamsPb.AppendResp.WrongExpectedVersion();
  const empty = () => new sharedPb.Empty();
  if (expected === WIRE_ANY) wev.setExpectedAny(empty()).setAny2060(empty());
  else if (expected === WIRE_STREAM_EXISTS) wev.setExpectedStreamExists(empty()).setStreamExists2060(empty());
  else if (expected === WIRE_NO_STREAM) wev.setExpectedNoStream(empty());
  else wev.setExpectedRevision(String(expected)).setExpectedRevision2060(expected);
  if (current < 0) wev.setCurrentNoStream(empty()).setNoStream2060(empty());
  else wev.setCurrentRevision(String(current)).setCurrentRevision2060(current);
  return wev;
}

/** The `event_store.client.WrongExpectedVersion` detail of a BatchAppend error. */
export function batchWrongExpectedVersion(expected: number, current: number): WrongExpectedVersion {
  const wev = new sharedPb.WrongExpectedVersion();
  const empty = () => new emptyPb.Empty();
  if (expected === WIRE_ANY) wev.setExpectedAny(empty());
  else if (expected === WIRE_STREAM_EXISTS) wev.setExpectedStreamExists(empty());
  else if (expected === WIRE_NO_STREAM) wev.setExpectedNoStream(empty());
  else wev.setExpectedStreamPosition(String(expected));
  if (current < 0) wev.setCurrentNoStream(empty());
  else wev.setCurrentStreamRevision(String(current));
  return wev;
}
