import { CommandInterceptor, type CommandContext, type CommandResult } from './command-interceptor.js';

/**
 * Runs the commands of one bus for one stream one after another (other streams stay concurrent).
 * An optimisation only: in-process commands on a hot stream stop racing and retrying, while
 * conflicts with other processes are still caught by the store's expected revision and retried.
 * A handler must not wait on another command for its own stream (it would wait for itself).
 */
export class StreamQueueInterceptor extends CommandInterceptor {
  /**
   * Stream -> the commands waiting behind the one running (an entry exists while one runs; `null`
   * while none waits, so an idle stream's command allocates no list).
   */
  readonly #waiting = new Map<string, (() => void)[] | null>();

  intercept(context: CommandContext, next: () => Promise<CommandResult>): Promise<CommandResult> {
    const stream = context.streamName;
    const waiting = this.#waiting.get(stream);
    // An idle stream (the usual case) runs at once: no promise is made for the queue itself.
    if (waiting === undefined) {
      this.#waiting.set(stream, null);
      return this.#run(stream, next);
    }
    const list = waiting ?? [];
    if (waiting === null) this.#waiting.set(stream, list);
    return new Promise<void>((resolve) => list.push(resolve)).then(() => this.#run(stream, next));
  }

  #run(stream: string, next: () => Promise<CommandResult>): Promise<CommandResult> {
    let running: Promise<CommandResult>;
    try {
      running = next();
    } catch (error) {
      running = Promise.reject(error);
    }
    const release = () => {
      const following = this.#waiting.get(stream)?.shift();
      if (following) following();
      else this.#waiting.delete(stream);
    };
    running.then(release, release);
    return running;
  }

  /** Streams with commands queued or running (for tests and diagnostics). */
  get activeStreams(): number {
    return this.#waiting.size;
  }
}
