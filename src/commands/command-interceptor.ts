import type { AggregateClass } from '../../decorators/index.js';
import type { AggregateRoot } from '../aggregate/aggregate-root.js';

/** What `CommandBus.execute` resolves to. */
/** What `execute` resolves to; `E` is the events' type (see `CommandEventMap`). */
export interface CommandResult<E extends object = object> {
  aggregateId: string;
  streamName: string;
  /**
   * The events the command appended (empty if it decided nothing). For a command re-sent with the
   * id of one already stored: the events it stored then (nothing new is written).
   */
  events: readonly E[];
  /**
   * Revision of the stream's last event afterwards (`-1n` if the stream is still empty); for a
   * re-sent command, the revision of the last event it stored.
   */
  nextExpectedRevision: bigint;
  /** 1 when the first attempt succeeded. */
  attempts: number;
}

/**
 * One dispatch, as interceptors see it; handlers get it as their second argument
 * (`@Handles(Deposit) deposit(cmd: Deposit, context: CommandContext<Deposit>)`).
 */
export interface CommandContext<C extends object = object> {
  readonly command: C;
  /** Names the command; the same through all its retries (see `CommandOptions.commandId`). */
  readonly commandId: string;
  /** Stored on every event as `$correlationId` (defaults to the command id). */
  readonly correlationId: string;
  /** Stored on every event as `$causationId` (defaults to the command id). */
  readonly causationId: string;
  readonly aggregateType: AggregateClass<AggregateRoot>;
  readonly aggregateId: string;
  readonly streamName: string;
  /** `Aggregate.method` that handles the command. */
  readonly handlerName: string;
  /**
   * Added to the metadata of every event the command appends, under the system keys
   * (`commandId`, `$correlationId`, `$causationId`); interceptors may add to it before `next()`.
   */
  readonly metadata: Record<string, unknown>;
  /** The attempt under way (1-based, conflicts and transient faults alike); set by the retry interceptor. */
  attempt: number;
}

/**
 * Wraps every dispatch: call `next()` to go on (more than once to retry), or throw to stop.
 * Users' interceptors run once per `execute`, outside the concurrency-retry loop.
 */
export abstract class CommandInterceptor {
  abstract intercept(context: CommandContext, next: () => Promise<CommandResult>): Promise<CommandResult>;
}
