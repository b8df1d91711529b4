/** Emulator bugs must fail the call loudly: a swallowed exception leaves the client hanging. */
import { status } from '@grpc/grpc-js';
import type { RpcError } from './wire.js';

export type BugReporter = (method: string, error: unknown) => RpcError;

export function bugReporter(errors: Error[]): BugReporter {
  return (method, error) => {
    const cause = error instanceof Error ? error : new Error(String(error));
    errors.push(cause);
    console.error(`[kurrent-emulator] ${method} handler threw; failing the call with INTERNAL`, cause);
    return { code: status.INTERNAL, details: `kurrent-emulator bug in ${method}: ${cause.message}` };
  };
}

/**
 * Runs `body`, turning a throw (or a rejected promise) into `fail(INTERNAL)`. `expected` may claim
 * errors that are part of the protocol (it returns true once it has replied).
 */
export function guarded(
  method: string,
  report: BugReporter,
  fail: (error: RpcError) => void,
  body: () => unknown,
  expected: (error: unknown) => boolean = () => false,
): void {
  const handle = (error: unknown) => {
    if (!expected(error)) fail(report(method, error));
  };
  try {
    const result = body();
    if (result instanceof Promise) result.catch(handle);
  } catch (error) {
    handle(error);
  }
}
