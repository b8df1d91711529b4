/** Server-side `$all` filters (stream name or event type, by prefixes or regex). */
import type { ReadReq } from './protocol.js';
import type { LogRecord } from './records.js';

export type RecordFilter = (record: LogRecord) => boolean;

export function allFilter(filter: ReadReq.Options.FilterOptions | undefined): RecordFilter {
  if (!filter) return () => true;
  const byStream = filter.hasStreamIdentifier();
  const expression = byStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (!expression) return () => true;
  const field = (record: LogRecord) => (byStream ? record.stream : record.type);
  const regex = expression.getRegex();
  if (regex) {
    const pattern = new RegExp(regex);
    return (record) => pattern.test(field(record));
  }
  const prefixes = expression.getPrefixList();
  return (record) => prefixes.some((prefix) => field(record).startsWith(prefix));
}
