/**
 * `appendToStreams` on KurrentDB: the client's `appendRecords` (StreamsService/AppendRecords, 26.1+:
 * consistency checks, every failed stream reported) when the server has it, else its
 * `multiStreamAppend` (AppendSession, 25.1+: no checks, the first failed stream reported).
 */
import { randomUUID } from 'node:crypto';
import type {
  AppendRecordInput,
  ConsistencyCheck,
  JSONType,
  KurrentDBClient,
  MultiAppendResult,
} from '@kurrent/kurrentdb-client';
import type { MnemeError } from '../errors/mneme-error.js';
import {
  MultiStreamAppendUnsupportedError,
  MultiStreamConcurrencyError,
  type StreamConflict,
} from '../errors/multi-stream-errors.js';
import { StreamDeletedError } from '../errors/store-errors.js';
import type { AppendToStreamsResult } from '../store/event-store.js';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  type ActualRevision,
  type ExpectedRevision,
} from '../store/expected-revision.js';
import type { CheckedMultiStreamAppend } from '../store/multi-stream-validation.js';
import { withDeadline } from './deadline.js';
import { kurrentClient } from './kurrent-client.js';

/** What the store lends the multi-stream append: its deadline, error mapping and stream reads. */
export interface MultiStreamIo {
  readonly client: KurrentDBClient;
  readonly deadlineMs: number;
  /** The Mneme error for a client failure on `streamName`. */
  failure(error: unknown, streamName: string, expected?: ExpectedRevision): MnemeError;
  /** The stream's last revision; NO_STREAM when it is missing or soft-deleted; throws StreamDeletedError when tombstoned. */
  lastRevision(streamName: string): Promise<ActualRevision>;
}

const STORE = 'KurrentEventStore';
/** The client's events, per request. */
type ClientEvents = ReturnType<ReturnType<typeof kurrentClient>['jsonEvent']>[][];
/** The server's actual state of a tombstoned stream (ActualStreamCondition; -5 is a soft-deleted one). */
const TOMBSTONED = -6n;

interface ClientError {
  type?: unknown;
  streamName?: unknown;
  stream?: unknown;
  actualState?: unknown;
  violations?: { checkIndex: number; streamName: string; expectedState: unknown; actualState: unknown }[];
}

export async function appendToStreamsOnKurrent(
  checked: CheckedMultiStreamAppend,
  io: MultiStreamIo,
): Promise<AppendToStreamsResult> {
  // Missing ids are drawn once, before sending, so that a retry by the caller is recognised.
  const events = checked.requests.map(({ events: list }) =>
    list.map((event) =>
      kurrentClient().jsonEvent({
        id: event.id ?? randomUUID(),
        type: event.type,
        data: event.data as JSONType,
        metadata: event.metadata as Record<string, string> | undefined,
      }),
    ),
  );
  try {
    return await appendRecords(checked, events, io);
  } catch (error) {
    if (!isUnsupported(error)) throw error;
  }
  if (checked.checks.length > 0) {
    throw new MultiStreamAppendUnsupportedError(
      'checks',
      STORE,
      'the server has no StreamsService/AppendRecords, which consistency checks need (KurrentDB 26.1 or later)',
    );
  }
  return multiStreamAppend(checked, events, io);
}

async function appendRecords(
  checked: CheckedMultiStreamAppend,
  events: ClientEvents,
  io: MultiStreamIo,
): Promise<AppendToStreamsResult> {
  // The server numbers stream states as it registers them: the checks, then each written stream without one.
  const states: { streamName: string; role: StreamConflict['role']; expected: ExpectedRevision }[] = [];
  for (const { streamName, expected } of checked.requests)
    if (expected !== ANY) states.push({ streamName, role: 'append', expected });
  for (const { streamName, expected } of checked.checks) states.push({ streamName, role: 'check', expected });
  for (const { streamName, expected } of checked.requests)
    if (expected === ANY) states.push({ streamName, role: 'append', expected });
  const checks: ConsistencyCheck[] = states
    .filter((state) => state.expected !== ANY)
    .map((state) => ({
      type: kurrentClient().STREAM_STATE,
      streamName: state.streamName,
      expectedState: state.expected as Exclude<ExpectedRevision, 'any'>,
    }));
  const records: AppendRecordInput[] = checked.requests.flatMap(({ streamName }, index) =>
    events[index]!.map((record) => ({ streamName, record })),
  );
  let result: MultiAppendResult;
  try {
    result = await withDeadline(io.client.appendRecords(records, checks), io.deadlineMs);
  } catch (error) {
    if (isUnsupported(error)) throw error;
    const shape = (typeof error === 'object' && error !== null ? error : {}) as ClientError;
    if (shape.type === 'append-consistency-violation' && Array.isArray(shape.violations))
      throw violationsError(shape.violations, states, error);
    throw io.failure(error, typeof shape.stream === 'string' ? shape.stream : checked.requests[0]!.streamName);
  }
  return toResult(checked, result);
}

/** Every violation named; a tombstoned stream makes it a StreamDeletedError (it can never be written again). */
function violationsError(
  violations: NonNullable<ClientError['violations']>,
  states: readonly { streamName: string; role: StreamConflict['role']; expected: ExpectedRevision }[],
  cause: unknown,
): Error {
  const conflicts: StreamConflict[] = [];
  for (const violation of violations) {
    const state = states[violation.checkIndex] ?? {
      streamName: violation.streamName,
      role: 'append' as const,
      expected: ANY,
    };
    if (violation.actualState === TOMBSTONED) return new StreamDeletedError('append', state.streamName, { cause });
    // The contract reads a soft-deleted stream as one without events.
    const actual: ActualRevision =
      typeof violation.actualState === 'bigint' && violation.actualState >= 0n ? violation.actualState : NO_STREAM;
    conflicts.push({ streamName: state.streamName, role: state.role, expected: state.expected, actual });
  }
  return new MultiStreamConcurrencyError(conflicts, { cause });
}

async function multiStreamAppend(
  checked: CheckedMultiStreamAppend,
  events: ClientEvents,
  io: MultiStreamIo,
): Promise<AppendToStreamsResult> {
  const requests = checked.requests.map(({ streamName, expected }, index) => ({
    streamName,
    events: events[index]!,
    expectedState: expected,
  }));
  let result: MultiAppendResult;
  try {
    result = await withDeadline(io.client.multiStreamAppend(requests), io.deadlineMs);
  } catch (error) {
    if (isUnsupported(error)) {
      throw new MultiStreamAppendUnsupportedError(
        'appendToStreams',
        STORE,
        'the server has no StreamsService/AppendSession (KurrentDB 25.1 or later)',
        { cause: error },
      );
    }
    throw await sessionFailure(error, checked, io);
  }
  return toResult(checked, result);
}

/** An append session names only the first stream that failed (the server's AppendSession reports one). */
async function sessionFailure(error: unknown, checked: CheckedMultiStreamAppend, io: MultiStreamIo): Promise<Error> {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ClientError;
  const requestOf = (name: unknown) =>
    checked.requests.find((request) => request.streamName === name) ?? checked.requests[0]!;
  if (shape.type === 'wrong-expected-version') {
    const request = requestOf(shape.streamName);
    const actual: ActualRevision = typeof shape.actualState === 'bigint' ? shape.actualState : NO_STREAM;
    return new MultiStreamConcurrencyError(
      [{ streamName: request.streamName, role: 'append', expected: request.expected, actual }],
      { cause: error },
    );
  }
  if (shape.type === 'stream-tombstoned') {
    // The server also answers so for STREAM_EXISTS on a soft-deleted stream: read it to tell them apart.
    const request = requestOf(shape.stream);
    if (request.expected === STREAM_EXISTS) {
      const current = await io.lastRevision(request.streamName).catch(() => undefined);
      if (current === NO_STREAM)
        return new MultiStreamConcurrencyError(
          [{ streamName: request.streamName, role: 'append', expected: STREAM_EXISTS, actual: NO_STREAM }],
          { cause: error },
        );
    }
    return new StreamDeletedError('append', request.streamName, { cause: error });
  }
  return io.failure(error, typeof shape.stream === 'string' ? shape.stream : checked.requests[0]!.streamName);
}

function toResult(checked: CheckedMultiStreamAppend, result: MultiAppendResult): AppendToStreamsResult {
  // The server answers in no guaranteed order, with stream names compared ignoring case.
  const revisions = new Map(result.responses.map((response) => [response.streamName.toUpperCase(), response.revision]));
  return {
    streams: checked.requests.map(({ streamName }) => ({
      streamName,
      nextExpectedRevision: revisions.get(streamName.toUpperCase()) ?? -1n,
    })),
    position: { commit: result.position, prepare: result.position },
  };
}

function isUnsupported(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as ClientError).type === 'unsupported';
}
