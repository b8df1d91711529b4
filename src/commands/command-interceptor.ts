import type { AggregateClass } from '../../decorators/index.js';
import type { AggregateRoot } from '../aggregate/aggregate-root.js';

/** What `CommandBus.execute` resolves to. */
export interface CommandResult {
  aggregateId: string;
  streamName: string;
  /** The events the command appended (empty if it decided nothing). */
  events: readonly object[];
  /** Revision of the stream's last event afterwards (`-1n` if the stream is still empty). */
  nextExpectedVersion: bigint;
  /** 1 when the first attempt succeeded. */
  attempts: number;
}

/** One dispatch, as interceptors see it. */
export interface CommandContext<C extends object = object> {
  readonly command: C;
  readonly aggregateType: AggregateClass<AggregateRoot>;
  readonly aggregateId: string;
  readonly streamName: string;
  /** `Aggregate.method` that handles the command. */
  readonly handlerName: string;
  /** Added to the metadata of every event the command appends; interceptors may add to it. */
  readonly metadata: Record<string, unknown>;
  /** The attempt under way (1-based); set by the concurrency-retry interceptor. */
  attempt: number;
}

/**
 * Wraps every dispatch: call `next()` to go on (more than once to retry), or throw to stop.
 * Users' interceptors run once per `execute`, outside the concurrency-retry loop.
 */
export abstract class CommandInterceptor {
  abstract intercept(context: CommandContext, next: () => Promise<CommandResult>): Promise<CommandResult>;
}
