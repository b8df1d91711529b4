import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { DeadlineExceededError, StreamNotFoundError } from '@kurrent/kurrentdb-client';
import { durationPb, sharedPb, streamsGrpc, streamsPb, timestampPb, type BatchAppendResp } from '../src/protocol.js';
import { describeEmulatorOnly, uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { collect, readRevisions, testEvents } from './support/kurrent-client-helpers.js';

const DEADLINE_EXCEEDED = 4;

// A real server advertises BatchAppend, so the client takes that path there too.
describe('BatchAppend deadlines', () => {
  const kurrent = useKurrentTarget({ batchAppend: true });

  it('answers an append whose deadline has already passed with DeadlineExceededError, writing nothing', async () => {
    const stream = uniqueStream('deadline-passed');

    await expect(kurrent.client.appendToStream(stream, testEvents(2), { deadline: 0 })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );

    await expect(collect(kurrent.client.readStream(stream))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('keeps serving the other appends of the same BatchAppend call after a timeout', async () => {
    const stream = uniqueStream('deadline-then-ok');
    await expect(kurrent.client.appendToStream(stream, testEvents(1), { deadline: 0 })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );

    await kurrent.client.appendToStream(stream, testEvents(2), { deadline: 10_000 });

    expect(await readRevisions(kurrent.client, stream)).toEqual([0n, 1n]);
  });
});

/** One BatchAppend call driven by hand: the client always sends every request of an append at once. */
function rawBatchAppend(port: number) {
  const raw = new streamsGrpc.StreamsClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const call = raw.batchAppend();
  const responses: BatchAppendResp[] = [];
  const waiters: Array<() => void> = [];
  let closed: Promise<void> | undefined;
  call.on('error', () => undefined); // cancelled when a test ends early; its assertions report why
  call.on('data', (response: BatchAppendResp) => {
    responses.push(response);
    waiters.splice(0).forEach((wake) => wake());
  });
  const event = () => {
    const message = new streamsPb.BatchAppendReq.ProposedMessage()
      .setId(new sharedPb.UUID().setString(randomUUID()))
      .setData(Buffer.from('{}'));
    message.getMetadataMap().set('type', 'TestEvent').set('content-type', 'application/json');
    return message;
  };
  return {
    responses,
    /** Sends one request of the append `correlationId`, with options when given. */
    send(correlationId: string, isFinal: boolean, options?: InstanceType<typeof streamsPb.BatchAppendReq.Options>) {
      const request = new streamsPb.BatchAppendReq()
        .setCorrelationId(new sharedPb.UUID().setString(correlationId))
        .setProposedMessagesList([event()])
        .setIsFinal(isFinal);
      if (options) request.setOptions(options);
      call.write(request);
    },
    async nextResponse(): Promise<BatchAppendResp> {
      const seen = responses.length;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no BatchAppend response within 3 s')), 3000);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return responses[seen]!;
    },
    /** Ends the call and waits for the server to end it too (idempotent). */
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        call.on('end', resolve);
        call.on('error', () => resolve());
        call.end();
      }).then(() => raw.close())),
  };
}

const optionsFor = (stream: string) =>
  new streamsPb.BatchAppendReq.Options()
    .setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(Buffer.from(stream)))
    .setAny(new sharedPb.Empty());

const expectTimeout = (response: BatchAppendResp, stream: string) => {
  const error = response.getError()!;
  expect(error.getCode()).toBe(DEADLINE_EXCEEDED);
  expect(error.getDetails()!.getTypeName()).toBe('event_store.client.Timeout');
  expect(Buffer.from(response.getStreamIdentifier()!.getStreamName_asU8()).toString()).toBe(stream);
};

describeEmulatorOnly('BatchAppend deadlines, driven by hand', () => {
  const kurrent = useKurrentTarget({ batchAppend: true });
  let batch: ReturnType<typeof rawBatchAppend>;

  beforeEach(() => {
    batch = rawBatchAppend(kurrent.emulator.port);
  });
  afterEach(async () => {
    await batch.close();
  });

  it('answers Timeout when an append is still waiting for its final request at its deadline, and ignores that request later', async () => {
    const stream = uniqueStream('deadline-pending');
    const correlationId = randomUUID();

    batch.send(
      correlationId,
      false,
      optionsFor(stream).setDeadline21100(timestampPb.Timestamp.fromDate(new Date(Date.now() + 150))),
    );
    expectTimeout(await batch.nextResponse(), stream);
    batch.send(correlationId, true);
    await batch.close();

    expect(batch.responses).toHaveLength(1);
    await expect(collect(kurrent.client.readStream(stream))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('reads a Duration deadline too: zero times out at once, time left writes', async () => {
    const late = uniqueStream('deadline-duration-zero');
    const inTime = uniqueStream('deadline-duration-ok');

    batch.send(randomUUID(), true, optionsFor(late).setDeadline(new durationPb.Duration().setSeconds(0)));
    expectTimeout(await batch.nextResponse(), late);
    batch.send(randomUUID(), true, optionsFor(inTime).setDeadline(new durationPb.Duration().setSeconds(5)));
    const written = await batch.nextResponse();

    expect(written.hasSuccess()).toBe(true);
    expect(await readRevisions(kurrent.client, inTime)).toEqual([0n]);
    await expect(collect(kurrent.client.readStream(late))).rejects.toBeInstanceOf(StreamNotFoundError);
  });
});
