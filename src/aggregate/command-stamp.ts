import * as crypto from 'node:crypto';
import { parse as parseUuid } from 'uuid';
import type { EventData, RecordedEvent } from '../store/event-store.js';

/**
 * The UUID v5 namespace of Mneme's event ids: event `index` (0-based) of command `commandId` has id
 * `uuidv5(`${commandId}:${index}`, MNEME_EVENT_ID_NAMESPACE)`. Fixed forever: changing it would
 * make a command re-sent across versions write its events again.
 */
export const MNEME_EVENT_ID_NAMESPACE = '4e39f84a-7a21-498e-8e53-216ed35fe7f2';
const namespaceBytes = parseUuid(MNEME_EVENT_ID_NAMESPACE);
/** Node's one-shot hash (20.12+): a third of createHash's cost for a short input. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;
/** The namespace, then room for the name: the hash input is written here, not concatenated. */
const input = Buffer.alloc(512);
input.set(namespaceBytes);
const NAME_ROOM = input.length - namespaceBytes.length;

/** Metadata keys Mneme writes on every event a command appends (written last: users cannot override them). */
export const COMMAND_ID_KEY = 'commandId';
export const CORRELATION_ID_KEY = '$correlationId';
export const CAUSATION_ID_KEY = '$causationId';

/** Who caused the events of one command, stamped on each of them. */
export interface CommandStamp {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  /** Users' metadata, under the system keys. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** The deterministic id of a command's `index`-th event. */
export function eventIdFor(commandId: string, index: number): string {
  // RFC 4122 version 5, computed directly (the same ids as uuid's v5, without its byte conversions).
  const name = `${commandId}:${index}`;
  let hex: string;
  if (oneShotHash && name.length * 3 <= NAME_ROOM) {
    const length = namespaceBytes.length + input.write(name, namespaceBytes.length, 'utf8');
    hex = oneShotHash('sha1', input.subarray(0, length), 'hex');
  } else {
    hex = crypto.createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest('hex');
  }
  // Version 5 in the 13th digit, the RFC variant in the top bits of the 17th.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Gives each event its deterministic id and the command's metadata: users' metadata, then the
 * event's own, then the system keys. A re-sent append then carries the very same ids, which the
 * store recognises and does not write twice.
 */
export function stampEvents(events: readonly EventData[], stamp: CommandStamp): EventData[] {
  const stamped = new Array<EventData>(events.length);
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    // Keys set after the spreads, and a literal for the event: V8 builds an object literal with
    // properties after a spread on a slow path (about 1 µs per event, the largest single cost of a command).
    const metadata: Record<string, unknown> = { ...stamp.metadata, ...event.metadata };
    metadata[COMMAND_ID_KEY] = stamp.commandId;
    metadata[CORRELATION_ID_KEY] = stamp.correlationId;
    metadata[CAUSATION_ID_KEY] = stamp.causationId;
    stamped[index] = { id: eventIdFor(stamp.commandId, index), type: event.type, data: event.data, metadata };
  }
  return stamped;
}

/** True when a stored event was appended by command `commandId` (one property read per event). */
export function writtenBy(recorded: RecordedEvent, commandId: string): boolean {
  return recorded.metadata?.[COMMAND_ID_KEY] === commandId;
}
