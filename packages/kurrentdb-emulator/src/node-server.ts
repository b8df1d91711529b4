/** What every node's gRPC server shares: the bind, the graceful drain, which calls are long-lived. */
import { ServerCredentials, status, type Server } from '@grpc/grpc-js';
import type { ActiveCalls } from './active-calls.js';
import { EmulatorAddressInUseError, EmulatorBindError, hostPort } from './emulator-errors.js';
import type { ReadReq } from './protocol.js';

/**
 * A server shutting down: it stops listening and takes no new calls, lets the calls being answered
 * finish, ends the long-lived ones with UNAVAILABLE (the client's answer to a server going away),
 * and waits for the connections to close, cancelling what is left after `drainMs`.
 */
export async function drain(server: Server, calls: ActiveCalls, drainMs: number): Promise<void> {
  const deadline = Date.now() + drainMs;
  const connectionsClosed = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  await calls.whenAnswered(drainMs);
  calls.endLongLived({ code: status.UNAVAILABLE, details: 'The server is shutting down.' });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
  await Promise.race([connectionsClosed, late]);
  clearTimeout(timer);
  server.forceShutdown();
}

/** Subscriptions and the client's BatchAppend stream stay open until the client goes: never waited for. */
export function isLongLived(path: string, firstMessage: unknown): boolean {
  if (path === '/event_store.client.streams.Streams/BatchAppend') return true;
  // A consumer of a persistent subscription group stays connected until it leaves.
  if (path === '/event_store.client.persistent_subscriptions.PersistentSubscriptions/Read') return true;
  if (path !== '/event_store.client.streams.Streams/Read' || firstMessage === undefined) return false;
  return (firstMessage as ReadReq).getOptions()?.hasSubscription() === true;
}

/** Every interface (0.0.0.0, ::) is no address to connect to: the connection string names the loopback one. */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  return /^[0:]+$/.test(host) && host.includes('::') ? '::1' : host;
}

/** Binds insecure; grpc-js reports a failed bind as a message only, so the cause is read from it. */
export function bind(server: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(hostPort(host, port), ServerCredentials.createInsecure(), (error, bound) => {
      if (!error) return resolve(bound);
      server.forceShutdown();
      if (/EADDRINUSE/.test(error.message)) return reject(new EmulatorAddressInUseError(host, port, { cause: error }));
      reject(new EmulatorBindError(host, port, error.message, { cause: error }));
    }),
  );
}
