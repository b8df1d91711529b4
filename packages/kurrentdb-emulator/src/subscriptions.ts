/** `Streams/Read` with `subscription{}`: confirmation, catch-up (after the start point, exclusive),
 * `caught_up`, then live events until the client cancels or the stream is tombstoned. */
import { randomUUID } from 'node:crypto';
import { streamsPb, type ReadReq, type ReadResp } from './protocol.js';
import type { InMemoryLog } from './log.js';
import type { LogRecord } from './records.js';
import { allFilter } from './wire-all-filter.js';
import { linkResolver } from './links.js';
import { firstAtOrAfter } from './reads.js';
import { failStream, isGone, writeAll, type ReadCall } from './response-writer.js';
import {
  caughtUpResponse,
  checkpointResponse,
  confirmationResponse,
  eventResponse,
  streamDeleted,
  streamNameOf,
  type RpcError,
} from './wire.js';

const { RevisionOptionCase } = streamsPb.ReadReq.Options.StreamOptions;
const { AllOptionCase } = streamsPb.ReadReq.Options.AllOptions;

/** What is new since the last call, produced lazily as it is written (reads stream, they are not
 * materialised); then `caughtUp()` once, or `error()` to end the subscription. */
interface Batch {
  readonly responses: Iterable<ReadResp>;
  caughtUp(): ReadResp;
  error(): RpcError | undefined;
}

/** A record as the subscriber receives it, links resolved if it asked. */
type ToResponse = (record: LogRecord) => ReadResp;

interface Source {
  next(catchingUp: boolean): Batch;
}

/** `onBug` receives exceptions from live delivery, which runs outside the handler's own guard. */
export function subscribe(
  call: ReadCall,
  log: InMemoryLog,
  options: ReadReq.Options,
  onBug: (error: unknown) => void,
): Promise<void> {
  const structured = options.getUuidOption()?.hasStructured() ?? false;
  const resolve = linkResolver(log, options.getResolveLinks());
  const toResponse = (record: LogRecord) => eventResponse(resolve(record), structured);
  const source = options.hasStream()
    ? streamSource(log, options.getStream()!, toResponse)
    : allSource(log, options.getAll()!, options.hasFilter() ? options.getFilter() : undefined, toResponse);

  let caughtUp = false;
  let pumping = false;
  let pending = false;
  let closed = false;
  const unsubscribe = log.onCommit(() => {
    pump().catch((error: unknown) => {
      close();
      onBug(error);
    });
  });
  const close = () => {
    closed = true;
    unsubscribe();
  };
  call.on('cancelled', close);
  call.on('close', close);
  call.on('error', close);

  // Serialised: commits during a backpressure wait are picked up by the next loop iteration.
  async function pump(): Promise<void> {
    if (pumping) {
      pending = true;
      return;
    }
    pumping = true;
    try {
      do {
        pending = false;
        const batch = source.next(!caughtUp);
        if (!(await writeAll(call, batch.responses))) return close();
        const error = batch.error();
        if (error) {
          close();
          return failStream(call, error);
        }
        if (!caughtUp) {
          caughtUp = true;
          if (!(await writeAll(call, [batch.caughtUp()]))) return close();
        }
      } while (pending && !closed && !isGone(call));
    } finally {
      pumping = false;
    }
  }

  return writeAll(call, [confirmationResponse(randomUUID())]).then((open) => (open ? pump() : close()));
}

function streamSource(log: InMemoryLog, streamOptions: ReadReq.Options.StreamOptions, toResponse: ToResponse): Source {
  const stream = streamNameOf(streamOptions.getStreamIdentifier());
  let cursor: number;
  switch (streamOptions.getRevisionOptionCase()) {
    case RevisionOptionCase.REVISION:
      cursor = Number(streamOptions.getRevision()) + 1;
      break;
    case RevisionOptionCase.END:
      cursor = log.lastRevision(stream) + 1;
      break;
    default:
      cursor = 0;
  }
  const caughtUp = () => caughtUpResponse({ revision: log.lastRevision(stream) });
  const error = () => (log.isTombstoned(stream) ? streamDeleted(stream) : undefined);
  return {
    next(catchingUp) {
      // Subscribing to a tombstoned stream fails at once, without replaying its events.
      if (catchingUp && log.isTombstoned(stream)) return { responses: [], caughtUp, error };
      // Catch-up is a read, so metadata hides events; live delivery sends every new event.
      const view = catchingUp ? log.streamView(stream) : undefined;
      const now = Date.now();
      const hidden = (record: LogRecord) =>
        view !== undefined &&
        (view.kind !== 'found' ||
          record.revision < view.firstVisible ||
          (view.maxAgeMs !== undefined && now - record.createdMs > view.maxAgeMs));
      function* responses() {
        const events = log.events(stream);
        for (; cursor < events.length; cursor += 1) {
          const record = events[cursor]!;
          if (!hidden(record)) yield toResponse(record);
        }
      }
      return { responses: responses(), caughtUp, error };
    },
  };
}

function allSource(
  log: InMemoryLog,
  allOptions: ReadReq.Options.AllOptions,
  filterOptions: ReadReq.Options.FilterOptions | undefined,
  toResponse: ToResponse,
): Source {
  const all = log.all;
  let cursor: number;
  switch (allOptions.getAllOptionCase()) {
    case AllOptionCase.POSITION: {
      // Exclusive: a subscription resumes *after* the last position it processed.
      const position = Number(allOptions.getPosition()!.getCommitPosition());
      cursor = firstAtOrAfter(all, position);
      if (all[cursor]?.position === position) cursor += 1;
      break;
    }
    case AllOptionCase.END:
      cursor = all.length;
      break;
    default:
      cursor = 0;
  }
  const filter = allFilter(filterOptions);
  // Only filtered subscriptions report checkpoints, counting every record considered, matched or not.
  const interval = filterOptions ? checkpointInterval(filterOptions) : undefined;
  let considered = 0;
  // A subscription that starts at the head goes live at once, without a catch-up checkpoint.
  let catchUpCheckpoint = interval !== undefined && cursor < all.length;
  // Like the server, never the same checkpoint twice (the end of catch-up can repeat the last one).
  let lastCheckpoint = -1;
  function* checkpointAt(position: number) {
    if (position <= lastCheckpoint) return;
    lastCheckpoint = position;
    yield checkpointResponse(position);
  }

  function* responses(catchingUp: boolean) {
    for (; cursor < all.length; cursor += 1) {
      const record = all[cursor]!;
      if (filter(record)) yield toResponse(record);
      if (interval === undefined) continue;
      considered += 1;
      if (considered >= interval) {
        considered = 0;
        yield* checkpointAt(record.position);
      }
    }
    // The server always checkpoints when a catch-up ends, so a sparse filter still advances.
    if (catchingUp && catchUpCheckpoint) {
      catchUpCheckpoint = false;
      considered = 0;
      yield* checkpointAt(all[all.length - 1]!.position);
    }
  }
  return {
    next: (catchingUp) => ({
      responses: responses(catchingUp),
      caughtUp: () => caughtUpResponse({ position: all[all.length - 1]?.position }),
      error: () => undefined,
    }),
  };
}

const READ_BATCH_SIZE = 32;

/** The server's check window: `max` records per filtered read (else its read batch size), times the
 * client's `checkpointIntervalMultiplier`. */
function checkpointInterval(filterOptions: ReadReq.Options.FilterOptions): number {
  const window = filterOptions.hasMax() ? filterOptions.getMax() : READ_BATCH_SIZE;
  return Math.max(1, window) * Math.max(1, filterOptions.getCheckpointintervalmultiplier());
}
