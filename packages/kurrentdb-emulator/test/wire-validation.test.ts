import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { RequiredMetadataPropertyMissingError, convertToCommandError } from '@kurrent/kurrentdb-client';
import type * as Grpc from '@grpc/grpc-js';
import { emptyPb, sharedPb, statusPb, streamsGrpc, streamsPb } from '../src/protocol.js';
import type { BatchAppendResp } from '../src/protocol.js';
import { describeEmulatorOnly, useKurrentTarget } from './support/kurrent-target.js';

// The real client always sends `type` and `content-type`, so these requests are built by hand.
const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof Grpc;

const identifier = (stream: string) => new sharedPb.StreamIdentifier().setStreamName(Buffer.from(stream));
const uuid = () => new sharedPb.UUID().setString(randomUUID());

/** A proposed message with `content-type` but no `type`. */
function untyped<
  M extends InstanceType<typeof streamsPb.AppendReq.ProposedMessage | typeof streamsPb.BatchAppendReq.ProposedMessage>,
>(message: M): M {
  message.setId(uuid());
  message.setData(Buffer.from('{}'));
  message.getMetadataMap().set('content-type', 'application/json');
  return message;
}

describeEmulatorOnly('append validation on the wire', () => {
  let raw: InstanceType<typeof streamsGrpc.StreamsClient>;
  afterAll(() => raw.close()); // declared first, so it runs before the target closes

  const kurrent = useKurrentTarget();
  beforeAll(() => {
    raw = new streamsGrpc.StreamsClient(`127.0.0.1:${kurrent.emulator.port}`, grpc.credentials.createInsecure());
  });

  it('fails an Append without a `type` with RequiredMetadataPropertyMissingError', async () => {
    const error = await new Promise<Grpc.ServiceError | null>((resolve) => {
      const call = raw.append((failure) => resolve(failure));
      const options = new streamsPb.AppendReq.Options()
        .setStreamIdentifier(identifier('untyped'))
        .setAny(new sharedPb.Empty());
      call.write(new streamsPb.AppendReq().setOptions(options));
      call.write(new streamsPb.AppendReq().setProposedMessage(untyped(new streamsPb.AppendReq.ProposedMessage())));
      call.end();
    });

    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const converted = convertToCommandError(error!);
    expect(converted).toBeInstanceOf(RequiredMetadataPropertyMissingError);
    expect(converted).toMatchObject({ requiredMetadataProperties: ['type', 'content-type'] });
  });

  it('answers a BatchAppend without a `type` in-band with a BadRequest status', async () => {
    const call = raw.batchAppend();
    const response = new Promise<BatchAppendResp>((resolve) => call.once('data', resolve));
    const finished = new Promise((resolve) => call.on('status', resolve).on('error', resolve));
    const options = new streamsPb.BatchAppendReq.Options()
      .setStreamIdentifier(identifier('untyped-batch'))
      .setAny(new emptyPb.Empty());
    call.write(
      new streamsPb.BatchAppendReq()
        .setCorrelationId(uuid())
        .setOptions(options)
        .setProposedMessagesList([untyped(new streamsPb.BatchAppendReq.ProposedMessage())])
        .setIsFinal(true),
    );

    const error = (await response).getError();
    call.end();
    await finished;

    expect(error).toBeInstanceOf(statusPb.Status);
    expect(error!.getCode()).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error!.getDetails()!.getTypeName()).toBe('event_store.client.BadRequest');
  });
});
