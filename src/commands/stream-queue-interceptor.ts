import { performance } from 'node:perf_hooks';
import { deadlineOf, type CommandDeadline } from './command-deadline.js';
import { CommandInterceptor, type CommandContext, type CommandResult } from './command-interceptor.js';

/** A command waiting for its stream: `start` is called once, by whichever comes first (its turn, or its patience running out). */
interface Waiter {
  start: ((queued: boolean) => void) | undefined;
  /** `performance.now()` after which it stops waiting and runs unqueued. */
  readonly patienceAt: number;
}

/** The commands waiting for one stream behind the one running, and the one timer that watches their patience. */
interface StreamLine {
  readonly waiters: Waiter[];
  timer: ReturnType<typeof setTimeout> | undefined;
  /** When `timer` fires (Infinity when none is armed). */
  armedAt: number;
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
  readonly #waiting = new Map<string, StreamLine | null>();

  intercept(context: CommandContext, next: () => Promise<CommandResult>): Promise<CommandResult> {
    const streams = context.streams;
    if (streams === undefined || streams.length === 1)
      return this.#queued(context.streamName, next, deadlineOf(context));
    // A command across aggregates holds every stream it touches, taken one by one in one fixed
    // order (by name), so two such commands never each hold a stream the other waits for.
    const names = streams.map((stream) => stream.streamName).sort();
    const deadline = deadlineOf(context);
    const holdAll = names.reduceRight<() => Promise<CommandResult>>(
      (inner, stream) => () => this.#queued(stream, inner, deadline),
      next,
    );
    return holdAll();
  }

  #queued(
    stream: string,
    next: () => Promise<CommandResult>,
    deadline: CommandDeadline | undefined,
  ): Promise<CommandResult> {
    const waiting = this.#waiting.get(stream);
    // An idle stream (the usual case) runs at once: no promise is made for the queue itself.
    if (waiting === undefined) {
      this.#waiting.set(stream, null);
      return this.#run(stream, next, deadline);
    }
    let line = waiting;
    if (line === null) this.#waiting.set(stream, (line = { waiters: [], timer: undefined, armedAt: Infinity }));
    const queuedLine = line;
    return new Promise<boolean>((resolve) => {
      const patienceAt = deadline ? performance.now() + deadline.remainingMs() / 2 : Infinity;
      const waiter: Waiter = {
        start: (queued) => {
          waiter.start = undefined;
          resolve(queued);
        },
        patienceAt,
      };
      queuedLine.waiters.push(waiter);
      if (patienceAt < queuedLine.armedAt) this.#arm(queuedLine, patienceAt);
    }).then((queued) => {
      // Its caller already has its CommandTimeoutError: pass the stream on without running it.
      if (deadline?.passed) {
        if (queued) this.#release(stream);
        return Promise.reject(deadline.expire());
      }
      // Waited half its time: it runs unqueued, holding nothing.
      return queued ? this.#run(stream, next, deadline) : next();
    });
  }

  /** One timer per waiting line, for the earliest patience in it; it does not keep the process alive (the commands' own timeouts do). */
  #arm(line: StreamLine, at: number): void {
    clearTimeout(line.timer);
    line.armedAt = at;
    line.timer = setTimeout(() => this.#lapse(line), Math.max(0, at - performance.now()));
    line.timer.unref?.();
  }

  /** The patience of some waiters ran out: they leave the line and run unqueued; the timer is armed for the next. */
  #lapse(line: StreamLine): void {
    line.timer = undefined;
    line.armedAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const waiter of line.waiters) {
      if (!waiter.start) continue;
      if (waiter.patienceAt <= now) waiter.start(false);
      else next = Math.min(next, waiter.patienceAt);
    }
    if (next < Infinity) this.#arm(line, next);
  }

  #run(
    stream: string,
    next: () => Promise<CommandResult>,
    deadline: CommandDeadline | undefined,
  ): Promise<CommandResult> {
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
    const line = this.#waiting.get(stream);
    while (line && line.waiters.length > 0) {
      const start = line.waiters.shift()!.start;
      if (start) return start(true);
    }
    if (line) clearTimeout(line.timer);
    this.#waiting.delete(stream);
  }

  /** Streams with commands queued or running (for tests and diagnostics). */
  get activeStreams(): number {
    return this.#waiting.size;
  }
}
