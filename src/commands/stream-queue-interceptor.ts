import { deadlineOf, type CommandDeadline } from './command-deadline.js';
import { CommandInterceptor, type CommandContext, type CommandResult } from './command-interceptor.js';

/** A command waiting for its stream: `start` is called once, by whichever comes first (its turn, or its patience running out). */
interface Waiter {
  start: (() => void) | undefined;
}

/**
 * Runs the commands of one bus for one stream one after another (other streams stay concurrent).
 * An optimisation only: in-process commands on a hot stream stop racing and retrying, while
 * conflicts with other processes are still caught by the store's expected revision and retried.
 * A handler must not wait on another command for its own stream (it would wait for itself).
 *
 * A command that does not settle never holds its stream: the stream is released when its timeout
 * fires, and a command waits in the queue for at most half of its own time; then it runs beside the
 * one ahead, as a command of another instance would (the expected revision settles the race).
 */
export class StreamQueueInterceptor extends CommandInterceptor {
  /**
   * Stream -> the commands waiting behind the one running (an entry exists while one runs; `null`
   * while none waits, so an idle stream's command allocates no list).
   */
  readonly #waiting = new Map<string, Waiter[] | null>();

  intercept(context: CommandContext, next: () => Promise<CommandResult>): Promise<CommandResult> {
    const stream = context.streamName;
    const waiting = this.#waiting.get(stream);
    const deadline = deadlineOf(context);
    // An idle stream (the usual case) runs at once: no promise is made for the queue itself.
    if (waiting === undefined) {
      this.#waiting.set(stream, null);
      return this.#run(stream, next, deadline);
    }
    const list = waiting ?? [];
    if (waiting === null) this.#waiting.set(stream, list);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { start: undefined };
      let patience: ReturnType<typeof setTimeout> | undefined;
      waiter.start = () => {
        waiter.start = undefined;
        clearTimeout(patience);
        resolve(true);
      };
      list.push(waiter);
      if (deadline) {
        patience = setTimeout(() => {
          // Waited half its time: it leaves the queue and runs unqueued, holding nothing.
          if (!waiter.start) return;
          waiter.start = undefined;
          resolve(false);
        }, deadline.remainingMs() / 2);
      }
    }).then((queued) => {
      if (!queued) return this.#unqueued(next, deadline);
      // Its caller already has its CommandTimeoutError: pass the stream on without running it.
      if (deadline?.passed) {
        this.#release(stream);
        return Promise.reject(deadline.expire());
      }
      return this.#run(stream, next, deadline);
    });
  }

  #unqueued(next: () => Promise<CommandResult>, deadline: CommandDeadline | undefined): Promise<CommandResult> {
    if (deadline?.passed) return Promise.reject(deadline.expire());
    return next();
  }

  #run(stream: string, next: () => Promise<CommandResult>, deadline: CommandDeadline | undefined): Promise<CommandResult> {
    let running: Promise<CommandResult>;
    try {
      running = next();
    } catch (error) {
      running = Promise.reject(error);
    }
    // Released once: when the command settles, or when its time runs out if that comes first.
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.#release(stream);
    };
    running.then(release, release);
    deadline?.onExpire(release);
    return running;
  }

  /** Gives the stream to the next command still waiting for it, or marks it idle. */
  #release(stream: string): void {
    const list = this.#waiting.get(stream);
    while (list && list.length > 0) {
      const start = list.shift()!.start;
      if (start) return start();
    }
    this.#waiting.delete(stream);
  }

  /** Streams with commands queued or running (for tests and diagnostics). */
  get activeStreams(): number {
    return this.#waiting.size;
  }
}
