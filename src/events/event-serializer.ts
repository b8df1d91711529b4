import { classTransformer } from './class-transformer-loader.js';
import { getEventClass, getEventTypeMetadata, type Class } from '../../decorators/index.js';
import { describeValue } from '../errors/describe-value.js';
import { EventDeserializationError, InvalidEventError, UnknownEventTypeError } from '../errors/event-errors.js';
import type { EventData, RecordedEvent } from '../store/event-store.js';
import { needsClassTransformer } from './class-transformer-metadata.js';
import { findJsonProblem } from '../store/json-check.js';
import { SCHEMA_VERSION_KEY, schemaVersionOf, upcastData } from './upcasting.js';
import { JsonProblem, safeJsonCopy, toJsonObject } from './json-data.js';
import { findReplayDifference } from './replay-check.js';
import { findTypedFieldProblem } from './typed-field-check.js';

/** Stored data that cannot become an instance of its class. */
class DataProblem extends Error {}

/** How one event class goes to and from stored JSON; compiled once per class. */
export interface EventCodec {
  readonly type: string;
  readonly eventClass: Class;
  /** True when class-transformer converts this class (it has @Type, @Transform, @Expose or @Exclude). */
  readonly usesClassTransformer: boolean;
  /**
   * The plain JSON snapshot of an instance, sharing nothing with it, and its shape: what the
   * round-trip check must have seen once (which top-level fields held Dates). Throws `JsonProblem`.
   */
  toData(event: object): { data: Record<string, unknown>; shape: string };
  /** A new instance from stored data; shares nothing with `data`. Throws on data it cannot take. */
  fromData(data: unknown): object;
  /** The shapes of instances that were seen to come back from their data unchanged. */
  readonly verified: Set<string>;
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
  if (needsClassTransformer(eventClass)) {
    return {
      type: metadata.name,
      eventClass,
      usesClassTransformer: true,
      verified: new Set(),
      toData: (event) => {
        const problem = findJsonProblem(event, ''); // class-transformer overflows on cycles: check first
        if (problem) throw JsonProblem.at(problem);
        const plain = classTransformer().instanceToPlain(event);
        return { shape: dateFields(plain), data: toJsonObject(plain, 'iso-string') };
      },
      fromData: (data) => {
        const instance = classTransformer().plainToInstance(
          eventClass,
          safeJsonCopy(checkIsObject(data)) as object,
        ) as object;
        const problem = findTypedFieldProblem(instance, eventClass, eventClass.name);
        if (problem) throw new DataProblem(problem);
        return instance;
      },
    };
  }
  // What class-transformer does for a class it has no metadata for: construct, then set the stored
  // fields, skipping methods and read-only accessors. Dates and class instances are refused when
  // decided (replay could not tell what they were), so the data is plain JSON both ways.
  const skipped = readOnlyMembers(eventClass);
  const checkSkipped = skipped.size > 0;
  return {
    type: metadata.name,
    eventClass,
    usesClassTransformer: false,
    verified: new Set(),
    toData: (event) => ({ shape: '', data: toJsonObject(event, 'refuse') }),
    fromData: (data) => {
      if (!isJsonObject(data)) checkIsObject(data);
      const fields = data as Record<string, unknown>;
      const instance = new eventClass() as Record<string, unknown>;
      const keys = Object.keys(fields);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        // The unsafe keys spelled out: cheaper than a Set lookup on the per-event path.
        if (key === '__proto__' || key === 'constructor' || key === 'prototype' || (checkSkipped && skipped.has(key)))
          continue;
        const value = fields[key];
        instance[key] = typeof value === 'object' && value !== null ? safeJsonCopy(value) : value;
      }
      return instance;
    },
  };
}

/**
 * The top-level fields holding a Date (or Dates): a field that was empty in the instance checked
 * first may hold one later, and then needs checking too (does it have @Type(() => Date)?).
 */
function dateFields(plain: Record<string, unknown>): string {
  let shape = '';
  for (const key in plain) {
    const value = plain[key];
    if (value instanceof Date || (Array.isArray(value) && value[0] instanceof Date)) shape += `${key},`;
  }
  return shape;
}

/**
 * Upcasts stored data, refusing first what is not a JSON object: another producer's array, null,
 * number or bytes never reach an upcaster (`{ ...v1 }` of them would be an empty event).
 */
function upcastChecked(eventClass: Class, recorded: RecordedEvent): unknown {
  if (!isJsonObject(recorded.data)) {
    const reason = `the stored data is ${describeValue(recorded.data)}, not a JSON object`;
    throw new EventDeserializationError(recorded.streamName, recorded.revision, recorded.type, reason);
  }
  return upcastData(eventClass, recorded);
}

/** What stored event data must be: a JSON object (not an array, not bytes another producer wrote). */
function isJsonObject(data: unknown): data is object {
  return (
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    !ArrayBuffer.isView(data) &&
    !(data instanceof ArrayBuffer)
  );
}

function checkIsObject(data: unknown): object {
  if (!isJsonObject(data)) {
    throw new DataProblem(`the stored data is ${describeValue(data)}, not a JSON object`);
  }
  return data;
}

/** Methods and getters without setters of a class and its bases: stored keys never overwrite them. */
function readOnlyMembers(eventClass: Function): ReadonlySet<string> {
  const members = new Set<string>();
  for (let p: unknown = eventClass.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(p))) {
      if (key === 'constructor') continue;
      if (typeof descriptor.value === 'function' || (descriptor.get && !descriptor.set)) members.add(key);
    }
  }
  return members;
}

/** The codec of an event's class, or undefined when the class has no @EventType. */
function codecOf(event: object): EventCodec | undefined {
  const prototype: unknown = Object.getPrototypeOf(event);
  if (prototype === null) return undefined;
  // Found once per prototype: reading the own `constructor` allocates a property descriptor.
  const known = codecsByPrototype.get(prototype as object);
  if (known !== undefined) return known ?? undefined;
  const eventClass = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value as unknown;
  const codec = typeof eventClass === 'function' ? codecFor(eventClass) : undefined;
  codecsByPrototype.set(prototype as object, codec ?? null);
  return codec;
}

const codecsByPrototype = new WeakMap<object, EventCodec | null>();

/**
 * Every stored type name events of `eventClass` may carry: its @EventType name and its aliases (the
 * names it was stored under before a rename). Readers that select stored events by name (a
 * projection's handlers and its server-side filter) use this, so they see what `deserializeEvent`
 * turns into the class, exactly as an aggregate's appliers do. Empty without @EventType.
 */
export function storedTypeNames(eventClass: Function): readonly string[] {
  const metadata = getEventTypeMetadata(eventClass);
  return metadata ? [metadata.name, ...(metadata.aliases ?? [])] : [];
}

/** The stored type name of an event instance, or undefined if its class has no @EventType. */
export function eventTypeOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  return codecOf(event)?.type;
}

/**
 * Validates an event a handler produced and turns it into what a store appends: `data` is a plain
 * JSON snapshot taken now, so later changes to the event (or to what it references) change nothing
 * stored. Throws `InvalidEventError` for anything that is not an @EventType instance JSON can hold,
 * or (checked the first time a class is serialized, and again when a Date first appears in another
 * top-level field) that would not come back equal on replay. The result has no `id`.
 */
export function serializeEvent(event: unknown, metadata?: Record<string, unknown>): EventData {
  if (typeof event !== 'object' || event === null) {
    const got = event === undefined || event === null ? String(event) : `a ${typeof event} (${describeValue(event)})`;
    throw new InvalidEventError(`expected an @EventType instance, got ${got}`);
  }
  const codec = codecOf(event);
  if (!codec) {
    const name = describeValue(event).replace(/^an? /, '');
    throw new InvalidEventError(
      `${name === 'plain object' ? 'Object' : name} has no @EventType: decorate the class with @EventType('Stable.Name')`,
    );
  }
  let snapshot: { data: Record<string, unknown>; shape: string };
  try {
    snapshot = codec.toData(event);
  } catch (error) {
    if (error instanceof JsonProblem) throw new InvalidEventError(error.describe(codec.eventClass.name), codec.type);
    throw error;
  }
  if (!codec.verified.has(snapshot.shape)) verifyRoundTrip(codec, event, snapshot);
  // No id: a command's events get deterministic ones when saved, others a random one then (or from the store).
  return {
    type: codec.type,
    data: snapshot.data,
    metadata: { ...metadata, [SCHEMA_VERSION_KEY]: schemaVersionOf(event.constructor) },
  };
}

/**
 * A fresh instance of the event a serialized event holds, as replay will build it. The engine
 * applies and reports these, so what the aggregate saw is what is stored.
 */
export function rebuildEvent(event: EventData): object {
  const eventClass = getEventClass(event.type);
  const codec = eventClass && codecFor(eventClass);
  if (!codec) throw new InvalidEventError(`no class is registered for type '${event.type}'`, event.type);
  return codec.fromData(event.data);
}

/**
 * Turns a stored event back into an instance of its @EventType class, upcast to its current
 * schema. Throws
 * `UnknownEventTypeError` for a type no class registered, `EventDeserializationError` for data
 * the class cannot take.
 */
export function deserializeEvent(recorded: RecordedEvent): object {
  const eventClass = getEventClass(recorded.type);
  let decoder = decoders.get(recorded.type);
  if (decoder === undefined || decoder.eventClass !== eventClass) {
    const codec = eventClass && codecFor(eventClass);
    if (!codec) throw new UnknownEventTypeError(recorded.streamName, recorded.revision, recorded.type);
    decoder = { eventClass: eventClass, codec, version: schemaVersionOf(eventClass) };
    decoders.set(recorded.type, decoder);
  }
  const { codec } = decoder;
  // The common case, an event at its class's current schema, skips the upcasting machinery (fromData checks the data).
  const stored = recorded.metadata?.[SCHEMA_VERSION_KEY] ?? 1;
  const data = stored === decoder.version ? recorded.data : upcastChecked(decoder.eventClass, recorded);
  try {
    return codec.fromData(data);
  } catch (error) {
    const reason =
      error instanceof DataProblem
        ? error.message
        : error instanceof JsonProblem
          ? `its ${error.describe('data')}`
          : `${codec.eventClass.name} could not be built from it (${messageOf(error)})`;
    throw new EventDeserializationError(recorded.streamName, recorded.revision, recorded.type, reason, {
      cause: error,
    });
  }
}

/** Stored type name -> its class's codec and schema version, checked against the registry on every use. */
const decoders = new Map<
  string,
  { readonly eventClass: Class; readonly codec: EventCodec; readonly version: number }
>();

/**
 * The first time a class is serialized: build it back from its snapshot, as replay will, and
 * compare. A class that cannot come back equal is refused now, before anything is written.
 */
function verifyRoundTrip(
  codec: EventCodec,
  event: object,
  { data, shape }: { data: Record<string, unknown>; shape: string },
): void {
  const name = codec.eventClass.name;
  let replayed: object;
  try {
    replayed = codec.fromData(data);
  } catch (error) {
    throw new InvalidEventError(constructionProblem(codec, error), codec.type, { cause: error });
  }
  const difference = findReplayDifference(codec, event, replayed, name);
  if (difference) throw new InvalidEventError(difference, codec.type);
  codec.verified.add(shape);
}

function constructionProblem(codec: EventCodec, error: unknown): string {
  const name = codec.eventClass.name;
  let probe: object;
  try {
    probe = new codec.eventClass();
  } catch (constructorError) {
    return (
      `replay builds events with new ${name}() and no arguments, and ${name}'s constructor throws then ` +
      `(${messageOf(constructorError)}): give every constructor parameter a default (e.g. items: Item[] = []) ` +
      `and compute nothing from them that is not also stored`
    );
  }
  if (!Object.isExtensible(probe)) {
    return (
      `${name} freezes (or seals) itself in its constructor, so replay cannot set its fields after new ${name}(): ` +
      `remove the Object.freeze from the constructor`
    );
  }
  if (error instanceof DataProblem) return `${error.message}, so replay would fail: check its @Type decorators`;
  return `${name} cannot be rebuilt from its stored data (${messageOf(error)})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : describeValue(error);
}
