/** Writes server-streaming responses with backpressure, stopping when the client goes away. */
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { ReadReq, ReadResp } from './protocol.js';
import type { RpcError } from './wire.js';

export type ReadCall = ServerWritableStream<ReadReq, ReadResp>;

export const isGone = (call: ReadCall): boolean => call.cancelled || call.destroyed || call.writableEnded;

/** Writes `messages`, waiting for 'drain' when the buffer is full. Resolves false if the call ended. */
export async function writeAll(call: ReadCall, messages: Iterable<ReadResp>): Promise<boolean> {
  for (const message of messages) {
    if (isGone(call)) return false;
    if (!call.write(message)) await drained(call);
  }
  return !isGone(call);
}

function drained(call: ReadCall): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('close', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('close', done);
    call.on('cancelled', done);
  });
}

/** Server-streaming calls fail by emitting 'error'; grpc-js sends its code, details and trailers. */
export function failStream(call: ReadCall, error: RpcError): void {
  if (!isGone(call)) call.emit('error', error);
}
