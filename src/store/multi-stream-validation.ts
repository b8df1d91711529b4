import { describeValue } from '../errors/describe-value.js';
import { InvalidEventError } from '../errors/event-errors.js';
import { InvalidMultiStreamAppendError } from '../errors/multi-stream-errors.js';
import { isPlainObject } from '../options/option-checks.js';
import type { AppendToStreamsOptions, EventData, StreamAppendRequest } from './event-store.js';
import { validateEventsToAppend, validateExpectedRevision, validateStreamName } from './event-validation.js';
import { ANY, type ExpectedRevision } from './expected-revision.js';

/** A multi-stream append after checking: every store decides on this. */
export interface CheckedMultiStreamAppend {
  readonly requests: readonly {
    readonly streamName: string;
    readonly events: readonly EventData[];
    readonly expected: ExpectedRevision;
  }[];
  readonly checks: readonly { readonly streamName: string; readonly expected: ExpectedRevision }[];
}

/**
 * KurrentDB's rule for a record's schema name (its event type) on the v2 append API: Unicode letters,
 * digits, `_ . $ : -`, in NFC. Every store applies it, so a type accepted here is accepted by the server.
 */
const SCHEMA_NAME = /^[\p{L}\p{N}_.$:-]+$/u;

/**
 * Rejects, before anything is written, what KurrentDB's multi-stream append refuses (its request
 * validators and the client's own checks): no requests, a request without events, a stream twice
 * (compared ignoring case, as the server does), checks of ANY, two checks or a check and a write on
 * one stream, metadata values that are not strings, event types outside the schema-name rule.
 */
export function validateMultiStreamAppend(requests: unknown, options: unknown): CheckedMultiStreamAppend {
  if (!Array.isArray(requests))
    throw new InvalidMultiStreamAppendError(`requests must be an array, got ${describeValue(requests)}`);
  if (requests.length === 0)
    throw new InvalidMultiStreamAppendError('there are no requests (at least one stream must be written)');
  if (options !== undefined && !isPlainObject(options)) {
    throw new InvalidMultiStreamAppendError(`options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options ?? {})) {
    if (key !== 'checks')
      throw new InvalidMultiStreamAppendError(`'${key}' is not an option of appendToStreams (the option is checks)`);
  }
  const seen = new Map<string, string>();
  const claim = (streamName: string, what: string) => {
    if (streamName === '$$')
      throw new InvalidMultiStreamAppendError(`${what} names the stream '$$', which KurrentDB refuses`, streamName);
    const key = streamName.toUpperCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new InvalidMultiStreamAppendError(
        `stream '${streamName}' appears twice (${earlier} and ${what}; KurrentDB compares stream names ignoring case here)`,
        streamName,
      );
    }
    seen.set(key, what);
  };

  const checkedRequests: CheckedMultiStreamAppend['requests'][number][] = [];
  for (let index = 0; index < requests.length; index++) {
    const request: unknown = requests[index];
    if (!isPlainObject(request))
      throw new InvalidMultiStreamAppendError(`request #${index} is ${describeValue(request)}, not an object`);
    const { streamName, events, expectedRevision } = request as Partial<StreamAppendRequest>;
    validateStreamName(streamName as string);
    const expected = expectedRevision ?? ANY;
    validateExpectedRevision(expected);
    validateEventsToAppend(streamName as string, events as EventData[]);
    if (events!.length === 0) {
      throw new InvalidMultiStreamAppendError(
        `request #${index} for stream '${streamName}' has no events (put a stream you only read in checks)`,
        streamName,
      );
    }
    events!.forEach(validateForMultiStream);
    claim(streamName!, `request #${index}`);
    checkedRequests.push({ streamName: streamName!, events: events!, expected });
  }

  const rawChecks: unknown = (options as AppendToStreamsOptions | undefined)?.checks ?? [];
  if (!Array.isArray(rawChecks))
    throw new InvalidMultiStreamAppendError(`checks must be an array, got ${describeValue(rawChecks)}`);
  const checks: CheckedMultiStreamAppend['checks'][number][] = [];
  for (let index = 0; index < rawChecks.length; index++) {
    const check: unknown = rawChecks[index];
    if (!isPlainObject(check))
      throw new InvalidMultiStreamAppendError(`check #${index} is ${describeValue(check)}, not an object`);
    const { streamName, expectedRevision } = check as { streamName?: unknown; expectedRevision?: unknown };
    validateStreamName(streamName as string);
    validateExpectedRevision(expectedRevision as ExpectedRevision);
    if (expectedRevision === ANY) {
      throw new InvalidMultiStreamAppendError(
        `check #${index} on stream '${String(streamName)}' expects ANY, which checks nothing`,
        streamName as string,
      );
    }
    claim(streamName as string, `check #${index}`);
    checks.push({ streamName: streamName as string, expected: expectedRevision as ExpectedRevision });
  }
  return { requests: checkedRequests, checks };
}

/** What the v2 append API adds to the event checks every append makes. */
function validateForMultiStream(event: EventData, index: number): void {
  if (!SCHEMA_NAME.test(event.type) || event.type.normalize('NFC') !== event.type) {
    throw new InvalidEventError(
      `event #${index} type '${event.type}' is not accepted by a multi-stream append: use Unicode letters, digits and _ . $ : - only (NFC)`,
      event.type,
    );
  }
  for (const [key, value] of Object.entries(event.metadata ?? {})) {
    if (key === '')
      throw new InvalidEventError(
        `event #${index} has a metadata key that is empty, which a multi-stream append refuses`,
        event.type,
      );
    if (typeof value !== 'string') {
      throw new InvalidEventError(
        `event #${index} metadata '${key}' is ${describeValue(value)}: a multi-stream append carries string metadata values only`,
        event.type,
      );
    }
  }
}
