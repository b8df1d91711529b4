/** What a group reads: one stream by revision, or `$all` by position through its filter. Records
 * are read from the in-memory log as the group needs them, so history and live are one path. */
import type { InMemoryLog } from './log.js';
import type { LogRecord } from './records.js';
import { firstAtOrAfter } from './reads.js';
import { ALL_STREAM } from './psub-names.js';
import type { StartFrom } from './psub-settings.js';

/** A read step: an event for the group, or a record its filter passed over (it still counts
 * towards checkpoints, as the server's HandleSkippedEvents does). */
export type SourceItem =
  { readonly kind: 'event'; readonly record: LogRecord } | { readonly kind: 'skipped'; readonly position: number };

export interface GroupSource {
  /** The stream name, or `$all`. */
  readonly name: string;
  positionOf(record: LogRecord): number;
  /** As GetInfo and the checkpoint stream print it: `"12"` or `"C:1234/P:1234"`. */
  format(position: number): string;
  parse(text: string): number | undefined;
  /** Moves the cursor to the start point; `-1` (the end) means what is written from now on. */
  seekStart(startFrom: StartFrom): void;
  /** Moves the cursor just after a checkpointed position. */
  seekAfter(position: number): void;
  next(): SourceItem | undefined;
  /** Whether the cursor has reached the end of what is written. */
  readonly atEnd: boolean;
}

/** How a group's `$all` filter is expressed on the wire (CreateReq.AllOptions.FilterOptions). */
export interface FilterMessage {
  hasStreamIdentifier(): boolean;
  getStreamIdentifier(): ExpressionMessage | undefined;
  getEventType(): ExpressionMessage | undefined;
}
interface ExpressionMessage {
  getRegex(): string;
  getPrefixList(): string[];
}

export type RecordFilter = (record: LogRecord) => boolean;

export function recordFilter(filter: FilterMessage | undefined): RecordFilter | undefined {
  if (!filter) return undefined;
  const byStream = filter.hasStreamIdentifier();
  const expression = byStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (!expression) return undefined;
  const field = (record: LogRecord) => (byStream ? record.stream : record.type);
  const regex = expression.getRegex();
  if (regex) {
    const pattern = new RegExp(regex);
    return (record) => pattern.test(field(record));
  }
  const prefixes = expression.getPrefixList();
  return (record) => prefixes.some((prefix) => field(record).startsWith(prefix));
}

export function streamSource(log: InMemoryLog, stream: string): GroupSource {
  let cursor = 0;
  return {
    name: stream,
    positionOf: (record) => record.revision,
    format: (position) => String(position),
    parse: (text) => (/^-?\d+$/.test(text) ? Number(text) : undefined),
    seekStart: (startFrom) => {
      const revision = startFrom.kind === 'revision' ? startFrom.revision : 0;
      cursor = revision < 0 ? log.lastRevision(stream) + 1 : revision;
    },
    seekAfter: (position) => {
      cursor = position + 1;
    },
    next: () => {
      const view = log.streamView(stream);
      if (view.kind !== 'found') return undefined;
      // Events hidden by $tb/$maxCount are not readable: a group starting before them skips them.
      if (cursor < view.firstVisible) cursor = view.firstVisible;
      const record = view.events[cursor];
      if (!record) return undefined;
      cursor += 1;
      return { kind: 'event', record };
    },
    get atEnd() {
      return cursor > log.lastRevision(stream);
    },
  };
}

const POSITION_TEXT = /^C:(-?\d+)\/P:(-?\d+)$/;

export function allSource(log: InMemoryLog, filter: RecordFilter | undefined): GroupSource {
  let cursor = 0;
  return {
    name: ALL_STREAM,
    positionOf: (record) => record.position,
    format: (position) => `C:${position}/P:${position}`,
    parse: (text) => {
      const match = POSITION_TEXT.exec(text);
      return match ? Number(match[1]) : undefined;
    },
    seekStart: (startFrom) => {
      const commit = startFrom.kind === 'position' ? startFrom.commit : 0;
      cursor = commit < 0 ? log.all.length : firstAtOrAfter(log.all, commit);
    },
    seekAfter: (position) => {
      cursor = firstAtOrAfter(log.all, position);
      if (log.all[cursor]?.position === position) cursor += 1;
    },
    next: () => {
      for (; cursor < log.all.length;) {
        const record = log.all[cursor]!;
        cursor += 1;
        // Like the server, an unfiltered $all group gets system events too (its own checkpoints included).
        if (filter && !filter(record)) return { kind: 'skipped', position: record.position };
        return { kind: 'event', record };
      }
      return undefined;
    },
    get atEnd() {
      return cursor >= log.all.length;
    },
  };
}
