/** Non-subscription `Streams/Read`: one stream or `$all`, forwards or backwards, with a count. */
import { streamsPb, type ReadReq } from './protocol.js';
import type { LogReader } from './log.js';
import type { LogRecord } from './records.js';
import { allFilter } from './wire-all-filter.js';
import { linkResolver } from './links.js';
import { failStream, writeAll, type ReadCall } from './response-writer.js';
import { eventResponse, streamDeleted, streamNameOf, streamNotFoundResponse } from './wire.js';

const { ReadDirection } = streamsPb.ReadReq.Options;
const { RevisionOptionCase } = streamsPb.ReadReq.Options.StreamOptions;
const { AllOptionCase } = streamsPb.ReadReq.Options.AllOptions;

export async function readStream(call: ReadCall, log: LogReader, options: ReadReq.Options): Promise<void> {
  const streamOptions = options.getStream()!;
  const stream = streamNameOf(streamOptions.getStreamIdentifier());
  const view = log.streamView(stream);
  if (view.kind === 'deleted') return failStream(call, streamDeleted(stream));
  if (view.kind === 'not-found') {
    if (await writeAll(call, [streamNotFoundResponse(stream)])) call.end();
    return;
  }
  const { events, firstVisible, maxAgeMs } = view;
  const forwards = options.getReadDirection() === ReadDirection.FORWARDS;
  const last = events.length - 1;
  let from: number;
  switch (streamOptions.getRevisionOptionCase()) {
    case RevisionOptionCase.REVISION:
      from = Number(streamOptions.getRevision());
      break;
    case RevisionOptionCase.END:
      from = forwards ? last + 1 : last;
      break;
    default:
      from = 0;
  }
  const now = Date.now();
  const visible = (record: LogRecord) => maxAgeMs === undefined || now - record.createdMs <= maxAgeMs;
  const structured = options.getUuidOption()?.hasStructured() ?? false;
  const resolve = linkResolver(log, options.getResolveLinks());
  const count = Number(options.getCount());

  function* responses() {
    let sent = 0;
    const step = forwards ? 1 : -1;
    let revision = forwards ? Math.max(from, firstVisible) : Math.min(from, last);
    for (; sent < count && revision >= firstVisible && revision <= last; revision += step) {
      const record = events[revision]!;
      if (!visible(record)) continue;
      sent += 1;
      yield eventResponse(resolve(record), structured);
    }
  }
  if (await writeAll(call, responses())) call.end();
}

export async function readAll(call: ReadCall, log: LogReader, options: ReadReq.Options): Promise<void> {
  const allOptions = options.getAll()!;
  const all = log.all;
  const forwards = options.getReadDirection() === ReadDirection.FORWARDS;
  let index: number;
  switch (allOptions.getAllOptionCase()) {
    case AllOptionCase.POSITION: {
      // Forwards includes the record at the position; backwards starts strictly before it.
      const first = firstAtOrAfter(all, Number(allOptions.getPosition()!.getCommitPosition()));
      index = forwards ? first : first - 1;
      break;
    }
    case AllOptionCase.END:
      index = forwards ? all.length : all.length - 1;
      break;
    default:
      index = forwards ? 0 : -1;
  }
  const filter = allFilter(options.hasFilter() ? options.getFilter() : undefined);
  const structured = options.getUuidOption()?.hasStructured() ?? false;
  const resolve = linkResolver(log, options.getResolveLinks());
  const count = Number(options.getCount());
  const end = all.length; // a snapshot: records committed while streaming are not part of this read

  function* responses() {
    let sent = 0;
    for (; sent < count && index >= 0 && index < end; index += forwards ? 1 : -1) {
      const record = all[index]!;
      if (!filter(record)) continue;
      sent += 1;
      yield eventResponse(resolve(record), structured);
    }
  }
  if (await writeAll(call, responses())) call.end();
}

/** Index of the first record whose position is >= `position` (records are sorted by position). */
export function firstAtOrAfter(all: readonly LogRecord[], position: number): number {
  let low = 0;
  let high = all.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (all[mid]!.position < position) low = mid + 1;
    else high = mid;
  }
  return low;
}
