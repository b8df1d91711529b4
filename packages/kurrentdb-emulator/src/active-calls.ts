/**
 * The calls open on the server, from their arrival to their status, so that a graceful close can let
 * those being answered finish and then end the long-lived ones (subscriptions, the client's
 * BatchAppend stream) with a status, as a server shutting down does. A grpc-js server interceptor:
 * it sees every call of every service.
 */
import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';

type Status = Parameters<ServerInterceptingCall['sendStatus']>[0];

/** True for a call that stays open until the client goes, told by its path and first message. */
export type LongLivedCall = (path: string, firstMessage: unknown) => boolean;

interface OpenCall {
  longLived: boolean;
  call?: ServerInterceptingCall;
}

export class ActiveCalls {
  readonly #open = new Set<OpenCall>();
  readonly #waiters = new Set<() => void>();

  constructor(private readonly longLived: LongLivedCall) {}

  /** Calls being answered: open and not long-lived. */
  get answering(): number {
    let count = 0;
    for (const open of this.#open) if (!open.longLived) count += 1;
    return count;
  }

  readonly interceptor: ServerInterceptor = (method, call) => {
    const open: OpenCall = { longLived: this.longLived(method.path, undefined) };
    this.#open.add(open);
    const end = () => {
      this.#open.delete(open);
      this.#changed();
    };
    let first = true;
    open.call = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message, nextMessage) => {
            if (first && !open.longLived && this.longLived(method.path, message)) {
              open.longLived = true;
              this.#changed();
            }
            first = false;
            nextMessage(message);
          },
          onCancel: end,
        }),
      sendStatus: (status, next) => {
        end();
        next(status);
      },
    });
    return open.call;
  };

  /** Resolves once no call is being answered, or after `timeoutMs`, whichever comes first. */
  whenAnswered(timeoutMs: number): Promise<void> {
    if (this.answering === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.answering > 0) return;
        finish();
      };
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Ends every long-lived call with `status`. */
  endLongLived(status: Status): void {
    for (const open of [...this.#open]) if (open.longLived) open.call?.sendStatus(status);
  }

  /** Ends every open call with `status`, as a node that drops its connections. */
  endAll(status: Status): void {
    for (const open of [...this.#open]) open.call?.sendStatus(status);
  }

  #changed(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
