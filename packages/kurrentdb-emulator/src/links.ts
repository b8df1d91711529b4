/** `resolveLinkTos`: a `$>` record's data is `"<revision>@<stream>"`; resolving it reads that event
 * the way a stream read would (metadata, deletes and tombstones applied). */
import type { LogReader } from './log.js';
import type { LogRecord } from './records.js';

export const LINK_EVENT_TYPE = '$>';

/** What one ReadEvent carries: `event` is absent when a link points at nothing readable. */
export interface ResolvedRecord {
  readonly event?: LogRecord;
  readonly link?: LogRecord;
}

export type LinkResolver = (record: LogRecord) => ResolvedRecord;

const LINK_DATA = /^(\d+)@([\s\S]+)$/;

export function linkResolver(log: LogReader, resolveLinks: boolean): LinkResolver {
  if (!resolveLinks) return (record) => ({ event: record });
  return (record) => {
    if (record.type !== LINK_EVENT_TYPE) return { event: record };
    const parsed = LINK_DATA.exec(Buffer.from(record.data).toString('utf8'));
    // The server leaves a link it cannot parse unresolved: it comes back as a plain event.
    if (!parsed) return { event: record };
    return { event: readable(log, parsed[2]!, Number(parsed[1])), link: record };
  };
}

/** The event at `revision` of `stream` if a read would return it, else undefined. */
function readable(log: LogReader, stream: string, revision: number): LogRecord | undefined {
  const view = log.streamView(stream);
  if (view.kind !== 'found' || revision < view.firstVisible) return undefined;
  const record = view.events[revision];
  if (!record) return undefined;
  if (view.maxAgeMs !== undefined && Date.now() - record.createdMs > view.maxAgeMs) return undefined;
  return record;
}
