import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { DeadlineExceededError, StreamNotFoundError } from '@kurrent/kurrentdb-client';
import { sharedPb, streamsGrpc, streamsPb, timestampPb, type BatchAppendResp } from '../../src/testing/kurrent-emulator/protocol.js';
import { describeEmulatorOnly, uniqueStream, useKurrentTarget } from '../support/kurrent-target.js';
import { collect, readRevisions, testEvents } from '../support/kurrent-client-helpers.js';

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

/** Drives BatchAppend by hand: the client always sends every request of an append at once. */
describeEmulatorOnly('BatchAppend deadline of an append still waiting for its final request', () => {
  const kurrent = useKurrentTarget({ batchAppend: true });

  it('is answered Timeout (DEADLINE_EXCEEDED, event_store.client.Timeout) when the deadline passes, and the late final request writes nothing', async () => {
    const stream = uniqueStream('deadline-pending');
    const raw = new streamsGrpc.StreamsClient(`127.0.0.1:${kurrent.emulator.port}`, credentials.createInsecure());
    const call = raw.batchAppend();
    const responses: BatchAppendResp[] = [];
    call.on('error', () => undefined); // cancelled when the test ends early; the assertions report it
    const firstResponse = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no BatchAppend response within 3 s')), 3000);
      call.on('data', (response: BatchAppendResp) => {
        responses.push(response);
        clearTimeout(timer);
        resolve();
      });
    });
    const correlationId = new sharedPb.UUID().setString(randomUUID());
    const message = () => {
      const event = new streamsPb.BatchAppendReq.ProposedMessage()
        .setId(new sharedPb.UUID().setString(randomUUID()))
        .setData(Buffer.from('{}'));
      event.getMetadataMap().set('type', 'TestEvent').set('content-type', 'application/json');
      return event;
    };
    const options = new streamsPb.BatchAppendReq.Options()
      .setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(Buffer.from(stream)))
      .setAny(new sharedPb.Empty())
      .setDeadline21100(timestampPb.Timestamp.fromDate(new Date(Date.now() + 150)));

    call.write(
      new streamsPb.BatchAppendReq().setCorrelationId(correlationId).setOptions(options).setProposedMessagesList([message()]).setIsFinal(false),
    );
    await firstResponse.catch((error: unknown) => {
      call.cancel();
      raw.close();
      throw error;
    });
    call.write(new streamsPb.BatchAppendReq().setCorrelationId(correlationId).setProposedMessagesList([message()]).setIsFinal(true));
    call.end();
    await new Promise((resolve) => call.on('end', resolve));
    raw.close();

    expect(responses).toHaveLength(1);
    const error = responses[0]!.getError()!;
    expect(error.getCode()).toBe(DEADLINE_EXCEEDED);
    expect(error.getDetails()!.getTypeName()).toBe('event_store.client.Timeout');
    expect(Buffer.from(responses[0]!.getStreamIdentifier()!.getStreamName_asU8()).toString()).toBe(stream);
    await expect(collect(kurrent.client.readStream(stream))).rejects.toBeInstanceOf(StreamNotFoundError);
  });
});
