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
  /**
   * For a command decided across aggregates (`@Decides`): each declared aggregate by its key, in
   * declaration order. Then `aggregateId`, `streamName` and `nextExpectedRevision` are the first
   * declared aggregate's, and `events` every stream's events in that order.
   */
  streams?: Readonly<Record<string, StreamOutcome>>;
}

/** What a command decided across aggregates did to one of them. */
export interface StreamOutcome {
  readonly aggregateId: string;
  readonly streamName: string;
  /** False when the decision left it unchanged (it was a consistency check), or the command was answered from the store without writing here. */
  readonly written: boolean;
  /** The events the command stored on this stream (for a re-sent command: those it stored then). */
  readonly events: readonly object[];
  /** The stream's last revision afterwards (for an unchanged aggregate: the revision it was read and checked at). */
  readonly nextExpectedRevision: bigint;
}

/** One aggregate a command decided across aggregates touches, as interceptors see it. */
export interface CommandStream {
  /** The key its `@Decides` declaration gave it. */
  readonly key: string;
  readonly aggregateType: AggregateClass<AggregateRoot>;
  readonly aggregateId: string;
  readonly streamName: string;
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
  /** `Aggregate.method` that handles the command (`Decider.method` for a `@Decides` command). */
  readonly handlerName: string;
  /**
   * For a command decided across aggregates (`@Decides`): every aggregate it touches, in
   * declaration order; `aggregateType`, `aggregateId` and `streamName` are then the first one's.
   */
  readonly streams?: readonly CommandStream[];
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
