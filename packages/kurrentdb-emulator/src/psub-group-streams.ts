/** The streams a group writes through the log like any client would: its checkpoints and its parked
 * messages, with the metadata and event shapes the server uses. */
import { randomUUID } from 'node:crypto';
import type { InMemoryLog } from './log.js';
import { WIRE_ANY, type ProposedEvent } from './records.js';
import { metastreamOf } from './stream-metadata.js';
import { checkpointStreamOf, parkedStreamOf } from './psub-names.js';
import type { GroupMessage } from './psub-message.js';
import { LINK_EVENT_TYPE } from './links.js';

const EMPTY = new Uint8Array(0);
const adminsOnly = { $r: '$admins', $w: '$admins', $d: '$admins', $mr: '$admins', $mw: '$admins' };

const jsonEvent = (type: string, data: unknown, customMetadata: Uint8Array = EMPTY): ProposedEvent => ({
  id: randomUUID(),
  type,
  contentType: 'application/json',
  data: Buffer.from(JSON.stringify(data)),
  customMetadata,
});

export class GroupStreams {
  readonly checkpointStream: string;
  readonly parkedStream: string;

  constructor(
    private readonly log: InMemoryLog,
    key: string,
  ) {
    this.checkpointStream = checkpointStreamOf(key);
    this.parkedStream = parkedStreamOf(key);
  }

  /** The last checkpoint written, as text (`"5"`, `"C:1/P:1"`), or undefined. */
  loadCheckpoint(): string | undefined {
    const view = this.log.streamView(this.checkpointStream);
    if (view.kind !== 'found') return undefined;
    const last = view.events[view.events.length - 1];
    if (!last) return undefined;
    const text: unknown = JSON.parse(Buffer.from(last.data).toString('utf8'));
    return typeof text === 'string' ? text : undefined;
  }

  /** A `$SubscriptionCheckpoint` whose data is the position as a JSON string; the first one also
   * sets the stream's metadata (maxCount 2), as the server's checkpoint writer does. */
  writeCheckpoint(position: string): void {
    if (this.log.lastRevision(this.checkpointStream) < 0) {
      this.log.append(metastreamOf(this.checkpointStream), WIRE_ANY, [
        jsonEvent('$metadata', { $maxCount: 2, $acl: { ...adminsOnly, $mr: '$all' } }),
      ]);
    }
    this.log.append(this.checkpointStream, WIRE_ANY, [jsonEvent('$SubscriptionCheckpoint', position)]);
  }

  /** A `$>` link to the event, with metadata saying when and why it was parked. */
  park(message: GroupMessage, reason: string): void {
    const { event, link } = message.resolved;
    const data = event ? `${event.revision}@${event.stream}` : Buffer.from(link!.data).toString('utf8');
    const metadata = {
      Added: new Date().toISOString(),
      Reason: reason,
      SubscriptionEventNumber: message.record.revision,
    };
    this.log.append(this.parkedStream, WIRE_ANY, [
      {
        id: randomUUID(),
        type: LINK_EVENT_TYPE,
        contentType: 'application/octet-stream',
        data: Buffer.from(data, 'utf8'),
        customMetadata: Buffer.from(JSON.stringify(metadata)),
      },
    ]);
  }

  /** Parked links still to replay (from `$tb` on), with their revisions. */
  parked(): ReturnType<InMemoryLog['events']> {
    const view = this.log.streamView(this.parkedStream);
    return view.kind === 'found' ? view.events.slice(view.firstVisible) : [];
  }

  /** How many are parked and not yet replayed. */
  parkedCount(): number {
    return this.parked().length;
  }

  /** Marks everything before `revision` replayed: `$tb` on the parked stream's metadata. */
  markReplayed(revision: number): void {
    this.log.append(metastreamOf(this.parkedStream), WIRE_ANY, [
      jsonEvent('$metadata', { $tb: revision, $acl: adminsOnly }),
    ]);
  }

  /** Deleting a group soft-deletes both streams. */
  delete(): void {
    for (const stream of [this.checkpointStream, this.parkedStream]) {
      if (this.log.lastRevision(stream) >= 0) this.log.delete(stream, WIRE_ANY, false);
    }
  }
}
