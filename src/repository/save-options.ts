import { randomUUID } from 'node:crypto';
import type { EventData } from '../store/event-store.js';
import { stampEvents } from './command-stamp.js';

export interface SaveOptions {
  /** Added to every saved event's metadata (correlation ids and the like). */
  metadata?: Record<string, unknown>;
  /**
   * Makes the save idempotent: event `i` gets the id `eventIdFor(commandId, i)`, and every event the
   * metadata `commandId`, `$correlationId` and `$causationId` (written last, over `metadata`).
   */
  commandId?: string;
  /** Defaults to `commandId`. */
  correlationId?: string;
  /** Defaults to `commandId`. */
  causationId?: string;
}

export interface SaveResult {
  /** Revision of the stream's last event after the save. */
  nextExpectedRevision: bigint;
  /** The events written, in order. */
  events: readonly object[];
}

/** The pending events as the save options make them: stamped by the command, or given random ids and the metadata. */
export function eventsToAppend(pending: readonly EventData[], options: SaveOptions): EventData[] {
  const { metadata, commandId } = options;
  if (commandId !== undefined) {
    return stampEvents(pending, {
      commandId,
      correlationId: options.correlationId ?? commandId,
      causationId: options.causationId ?? commandId,
      metadata: metadata ?? {},
    });
  }
  // Random ids, given once: a save retried with the same pending events re-sends the same ids (idempotent).
  for (const event of pending) event.id ??= randomUUID();
  return metadata ? pending.map((event) => ({ ...event, metadata: { ...metadata, ...event.metadata } })) : [...pending];
}
