/** A message of a subscription group: an event on its way to (or back from) a consumer. */
import type { ResolvedRecord } from './links.js';
import type { LogRecord } from './records.js';

export interface GroupMessage {
  /** The id the client acks: the link's when the record read is a link, else the event's. */
  readonly eventId: string;
  /** The record read from the group's source (a parked link when replayed). */
  readonly record: LogRecord;
  readonly resolved: ResolvedRecord;
  /** The source position (revision or commit position); checkpoints are made of these. */
  readonly position: number;
  /** Assigned when it first leaves the read buffer; replayed parked messages have none. */
  sequence?: number;
  /** The position checkpointed while this message is unfinished (the one pushed before it). */
  previousPosition?: number;
  retryCount: number;
}
