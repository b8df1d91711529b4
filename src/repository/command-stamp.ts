import * as crypto from 'node:crypto';
import type { EventData, RecordedEvent } from '../store/event-store.js';

/**
 * The UUID v5 namespace of Mneme's event ids: event `index` (0-based) of command `commandId` has id
 * `uuidv5(`${commandId}:${index}`, MNEME_EVENT_ID_NAMESPACE)`. Fixed forever: changing it would
 * make a command re-sent across versions write its events again.
 */
export const MNEME_EVENT_ID_NAMESPACE = '4e39f84a-7a21-498e-8e53-216ed35fe7f2';
/** The namespace's 16 bytes (parsed here rather than with the uuid package: one module fewer to load at import). */
const namespaceBytes = Buffer.from(MNEME_EVENT_ID_NAMESPACE.replaceAll('-', ''), 'hex');
/** Node's one-shot hash (20.12+): a third of createHash's cost for a short input. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;
/** The namespace, then room for the name: the hash input is written here, not concatenated. */
const input = Buffer.alloc(512);
input.set(namespaceBytes);
const NAME_ROOM = input.length - namespaceBytes.length;
/** `input`'s first n bytes, by n: made once per length instead of a Buffer view per id. */
const inputViews: Buffer[] = [];
/** Where a UUID's text is assembled: read out as one flat string (see uuidText). */
const text = Buffer.alloc(36);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Random bytes for command ids, drawn 256 ids at a time. */
const entropy = Buffer.alloc(16 * 256);
let entropyUsed = entropy.length;

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
    hex = oneShotHash('sha1', (inputViews[length] ??= input.subarray(0, length)), 'hex');
  } else {
    hex = crypto.createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest('hex');
  }
  let at = 0;
  for (let i = 0; i < 32; i++) {
    if (i === 8 || i === 12 || i === 16 || i === 20) text[at++] = 0x2d; // '-'
    text[at++] = hex.charCodeAt(i);
  }
  text[14] = 0x35; // version 5
  text[19] = HEX_DIGITS[(parseInt(hex[16]!, 16) & 0x3) | 0x8]!; // the RFC variant
  return text.toString('latin1', 0, 36);
}

/**
 * A random (version 4) UUID, the default command id. Built as one flat string: `randomUUID()`'s is
 * a rope of 20 pieces, which every Map lookup and hash input keyed by it flattens again (about
 * 1 µs per command, as the cache's command index and the event ids both use it).
 */
export function newCommandId(): string {
  if (entropyUsed === entropy.length) {
    crypto.randomFillSync(entropy);
    entropyUsed = 0;
  }
  const from = entropyUsed;
  entropyUsed += 16;
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = 0x2d; // '-'
    let byte = entropy[from + i]!;
    if (i === 6)
      byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // the RFC variant
    text[at++] = HEX_DIGITS[byte >> 4]!;
    text[at++] = HEX_DIGITS[byte & 0x0f]!;
  }
  return text.toString('latin1', 0, 36);
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
