/** Records the path of every incoming call, including paths no service implements. */
import type { Server } from '@grpc/grpc-js';

interface ServerInternals {
  _retrieveHandler?: (path: string) => unknown;
}

/**
 * grpc-js has no public hook for unknown methods: it answers UNIMPLEMENTED from the private
 * `_retrieveHandler` lookup, so we wrap that. grpc-js is pinned; if the internal disappears we
 * throw at start-up instead of silently logging nothing.
 */
export function recordRpcCalls(server: Server, onCall: (path: string, implemented: boolean) => void): void {
  const internals = server as unknown as ServerInternals;
  const lookup = internals._retrieveHandler;
  if (typeof lookup !== 'function') {
    throw new Error('kurrent-emulator: @grpc/grpc-js Server._retrieveHandler is missing; cannot log RPC calls');
  }
  internals._retrieveHandler = (path: string) => {
    const handler = lookup.call(server, path);
    onCall(path, handler !== null && handler !== undefined);
    return handler;
  };
}
