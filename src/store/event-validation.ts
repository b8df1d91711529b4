import { InvalidEventError } from '../errors/event-errors.js';
import { findJsonProblem } from './json-check.js';
import { InvalidExpectedRevisionError, InvalidStreamNameError } from '../errors/store-errors.js';
import type { EventData } from './event-store.js';
import { ANY, NO_STREAM, STREAM_EXISTS, type ExpectedRevision } from './expected-revision.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Rejects what a store cannot write, before anything is written: every store runs this first, so
 * they agree on what is valid. KurrentDB needs a type, a UUID id and JSON data.
 */
export function validateEventsToAppend(streamName: string, events: readonly EventData[]): void {
  validateStreamName(streamName);
  if (!Array.isArray(events)) {
    throw new InvalidEventError('events must be an array');
  }
  events.forEach((event, index) => {
    if (typeof event !== 'object' || event === null) {
      throw new InvalidEventError(`event #${index} is not an object`);
    }
    if (typeof event.type !== 'string' || event.type.trim() === '') {
      throw new InvalidEventError(`event #${index} has no type (a non-empty string is required)`);
    }
    if (event.id !== undefined && (typeof event.id !== 'string' || !UUID.test(event.id))) {
      throw new InvalidEventError(`event #${index} has id ${JSON.stringify(event.id)}, which is not a UUID`, event.type);
    }
    const problem = findJsonProblem(event.data, `event #${index} data`) ?? findJsonProblem(event.metadata, `event #${index} metadata`);
    if (problem) throw new InvalidEventError(problem, event.type);
    if (event.data === undefined) throw new InvalidEventError(`event #${index} has no data`, event.type);
  });
}

export function validateExpectedRevision(expected: ExpectedRevision): void {
  const valid =
    expected === ANY || expected === NO_STREAM || expected === STREAM_EXISTS || (typeof expected === 'bigint' && expected >= 0n);
  if (!valid) {
    throw new InvalidExpectedRevisionError(expected);
  }
}

/** Stores refuse what no store can name, for reads as for appends. */
export function validateStreamName(streamName: string): void {
  if (typeof streamName !== 'string' || streamName.trim() === '') throw new InvalidStreamNameError(streamName);
}
