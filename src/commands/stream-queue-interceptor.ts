import { CommandInterceptor, type CommandContext, type CommandResult } from './command-interceptor.js';

/**
 * Runs the commands of one bus for one stream one after another (other streams stay concurrent).
 * An optimisation only: in-process commands on a hot stream stop racing and retrying, while
 * conflicts with other processes are still caught by the store's expected revision and retried.
 * A handler must not wait on another command for its own stream (it would wait for itself).
 */
export class StreamQueueInterceptor extends CommandInterceptor {
  readonly #tails = new Map<string, Promise<void>>();

  async intercept(context: CommandContext, next: () => Promise<CommandResult>): Promise<CommandResult> {
    const stream = context.streamName;
    const previous = this.#tails.get(stream);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous ? previous.then(() => done) : done;
    this.#tails.set(stream, tail);
    if (previous) await previous;
    try {
      return await next();
    } finally {
      release();
      if (this.#tails.get(stream) === tail) this.#tails.delete(stream);
    }
  }

  /** Streams with commands queued or running (for tests and diagnostics). */
  get activeStreams(): number {
    return this.#tails.size;
  }
}
