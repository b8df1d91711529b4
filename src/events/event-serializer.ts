import { instanceToPlain, plainToInstance } from 'class-transformer';
import { v4 as uuidv4 } from 'uuid';
import { getEventClass, getEventTypeMetadata, type Class } from '../../decorators/index.js';
import { InvalidEventError, UnknownEventTypeError } from '../errors/event-errors.js';
import type { EventData, RecordedEvent } from '../store/event-store.js';
import { needsClassTransformer } from './class-transformer-metadata.js';
import { findJsonProblem } from '../store/json-check.js';
import { SCHEMA_VERSION_KEY, schemaVersionOf, upcastData } from './upcasting.js';

/** How one event class goes to and from stored JSON; compiled once per class. */
interface EventCodec {
  readonly type: string;
  toData(event: object): unknown;
  fromData(data: unknown): object;
}

const codecs = new WeakMap<Function, EventCodec | null>();

function codecFor(eventClass: Function): EventCodec | undefined {
  let codec = codecs.get(eventClass);
  if (codec === undefined) {
    codec = compileCodec(eventClass as Class);
    codecs.set(eventClass, codec);
  }
  return codec ?? undefined;
}

function compileCodec(eventClass: Class): EventCodec | null {
  const metadata = getEventTypeMetadata(eventClass);
  if (!metadata) return null;
  if (needsClassTransformer(eventClass) || typeof eventClass.prototype.toJSON === 'function') {
    return {
      type: metadata.name,
      toData: (event) => instanceToPlain(event),
      fromData: (data) => plainToInstance(eventClass, data as object) as object,
    };
  }
  // Same result as class-transformer for a class it has no metadata for: construct, then copy.
  return {
    type: metadata.name,
    toData: (event) => event,
    fromData: (data) => Object.assign(new eventClass(), data),
  };
}

/** The stored type name of an event instance, or undefined if its class has no @EventType. */
export function eventTypeOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  return codecFor(event.constructor)?.type;
}

/**
 * Validates an event a handler produced and turns it into what a store appends. Throws
 * `InvalidEventError` for anything that is not an @EventType instance JSON can hold.
 */
export function serializeEvent(event: unknown, metadata?: Record<string, unknown>): EventData {
  if (typeof event !== 'object' || event === null) {
    throw new InvalidEventError(`expected an @EventType instance, got ${describe(event)}`);
  }
  const codec = codecFor(event.constructor);
  if (!codec) {
    throw new InvalidEventError(
      `${event.constructor?.name ?? 'the object'} has no @EventType: decorate the class with @EventType('Stable.Name')`,
    );
  }
  const problem = findJsonProblem(event, codec.type);
  if (problem) throw new InvalidEventError(problem, codec.type);
  return { id: uuidv4(), type: codec.type, data: codec.toData(event), metadata: { ...metadata, [SCHEMA_VERSION_KEY]: schemaVersionOf(event.constructor) } };
}

/** Turns a stored event back into an instance of its @EventType class, upcast to its current schema. */
export function deserializeEvent(recorded: RecordedEvent): object {
  const eventClass = getEventClass(recorded.type);
  const codec = eventClass && codecFor(eventClass);
  if (!codec) throw new UnknownEventTypeError(recorded.streamName, recorded.revision, recorded.type);
  return codec.fromData(upcastData(eventClass, recorded));
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  return `a ${typeof value} (${String(value).slice(0, 40)})`;
}
