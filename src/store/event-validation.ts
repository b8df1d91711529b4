import { describeValue } from '../errors/describe-value.js';
import { InvalidEventError } from '../errors/event-errors.js';
import { findJsonProblem } from './json-check.js';
import { InvalidReadOptionsError } from '../errors/store-errors.js';
import { InvalidExpectedRevisionError, InvalidStreamNameError } from '../errors/store-errors.js';
import type { EventData } from './event-store.js';
import { ANY, NO_STREAM, STREAM_EXISTS, type ExpectedRevision } from './expected-revision.js';
import { isPlainObject } from '../options/option-checks.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Rejects what a store cannot write, before anything is written: every store runs this first, so
 * they agree on what is valid, hostile arguments included (each gets a typed error, never a raw
 * TypeError). KurrentDB needs a type, a UUID id, JSON data and a JSON object as metadata.
 */
export function validateEventsToAppend(streamName: string, events: readonly EventData[]): void {
  validateEventList(streamName, events);
  // A for loop, not forEach: a sparse array's holes are events too.
  for (let index = 0; index < events.length; index++) {
    validateEventShape(events[index], index);
    validateEventJson(events[index]!, index);
  }
}

/** The stream name, and that `events` is an array. */
export function validateEventList(streamName: string, events: readonly EventData[]): void {
  validateStreamName(streamName);
  if (!Array.isArray(events)) {
    throw new InvalidEventError(`events must be an array, got ${describeValue(events)}`);
  }
}

/** Event `index` is an object with a type, a UUID id if any, and plain-object metadata if any. */
export function validateEventShape(event: unknown, index: number): asserts event is EventData {
  if (typeof event !== 'object' || event === null) {
    throw new InvalidEventError(`event #${index} is ${describeValue(event)}, not an object`);
  }
  const { type, id, metadata } = event as Partial<Record<keyof EventData, unknown>>;
  if (typeof type !== 'string' || type.trim() === '') {
    throw new InvalidEventError(`event #${index} has no type (a non-empty string is required)`);
  }
  if (id !== undefined && (typeof id !== 'string' || !UUID.test(id))) {
    throw new InvalidEventError(`event #${index} has id ${describeValue(id)}, which is not a UUID string`, type);
  }
  if (metadata !== undefined && !isPlainObject(metadata)) {
    throw new InvalidEventError(
      `event #${index} metadata must be a plain object, got ${describeValue(metadata)}`,
      type,
    );
  }
}

/** Event `index` (shape already checked) has data, and its data and metadata are JSON. */
export function validateEventJson(event: EventData, index: number): void {
  const { type, data, metadata } = event;
  // Rooted at '' and named only on failure: a valid event builds no path strings.
  const dataProblem = findJsonProblem(data, '');
  if (dataProblem) throw new InvalidEventError(`event #${index} data${dataProblem}`, type);
  const metadataProblem = findJsonProblem(metadata, '');
  if (metadataProblem) throw new InvalidEventError(`event #${index} metadata${metadataProblem}`, type);
  if (data === undefined) throw new InvalidEventError(`event #${index} has no data`, type);
}

export function validateExpectedRevision(expected: ExpectedRevision): void {
  const valid =
    expected === ANY ||
    expected === NO_STREAM ||
    expected === STREAM_EXISTS ||
    (typeof expected === 'bigint' && expected >= 0n);
  if (!valid) {
    throw new InvalidExpectedRevisionError(expected);
  }
}

/** Stores refuse what no store can name, for reads as for appends. */
export function validateStreamName(streamName: string): void {
  if (typeof streamName !== 'string' || streamName.trim() === '') throw new InvalidStreamNameError(streamName);
}

const READ_OPTIONS = ['fromRevision', 'direction', 'maxCount'];

/** What every store's `readStream` checks before reading: a typed error for hostile options, never a TypeError. */
export function validateReadStreamOptions(options: unknown): void {
  if (options === undefined) return;
  if (!isPlainObject(options))
    throw new InvalidReadOptionsError('options', `expected an object, got ${describeValue(options)}`);
  const { fromRevision, direction, maxCount } = options as Record<string, unknown>;
  for (const key of Object.keys(options as object)) {
    if (!READ_OPTIONS.includes(key))
      throw new InvalidReadOptionsError(key, `it is not an option of readStream (a typo?)`);
  }
  if (fromRevision !== undefined && (typeof fromRevision !== 'bigint' || fromRevision < 0n)) {
    throw new InvalidReadOptionsError(
      'fromRevision',
      `expected a bigint revision >= 0n, got ${describeValue(fromRevision)}`,
    );
  }
  if (direction !== undefined && direction !== 'forwards' && direction !== 'backwards') {
    throw new InvalidReadOptionsError(
      'direction',
      `expected 'forwards' or 'backwards', got ${describeValue(direction)}`,
    );
  }
  if (maxCount !== undefined && !(typeof maxCount === 'number' && Number.isSafeInteger(maxCount) && maxCount >= 0)) {
    throw new InvalidReadOptionsError('maxCount', `expected an integer >= 0, got ${describeValue(maxCount)}`);
  }
}
