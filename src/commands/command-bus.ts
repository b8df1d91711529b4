import { aggregateInternals } from '../aggregate/aggregate-root.js';
import type { AggregateRepository } from '../repository/aggregate-repository.js';
import { AggregateAlreadyExistsError, AggregateNotFoundError } from '../errors/aggregate-errors.js';
import { serializeEvent } from '../events/event-serializer.js';
import { MnemeTelemetry } from '../telemetry/mneme-telemetry.js';
import type { CommandContext, CommandInterceptor, CommandResult } from './command-interceptor.js';
import { CommandTimeoutError } from '../errors/command-errors.js';
import {
  COMMAND_DEADLINE,
  CommandDeadline,
  DEFAULT_COMMAND_TIMEOUT_MS,
  checkTimeoutMs,
  deadlineOf,
} from './command-deadline.js';
import { commandTimeoutMs, resolveCommandStamp, type CommandOptions } from './command-options.js';
import { commandClassOf, type CommandRouter } from './command-router.js';
import type { EventsOf, KnownCommand } from './command-types.js';
import { decisionTargets, type BoundDeciders, type DecisionRoute, type DecisionTarget } from './decider-table.js';
import { attemptDecision } from './decision-attempt.js';

/** Settings of a `CommandBus` (mnemeModule passes `commandTimeoutMs` as `timeoutMs`). */
export interface CommandBusOptions {
  /** The default `CommandOptions.timeoutMs` (30 s). */
  timeoutMs?: number;
  /** The `@Decides` methods the bus dispatches to, with their instances (mnemeModule's `deciders`). */
  deciders?: BoundDeciders;
}

/**
 * Dispatches commands to their aggregate's handler: load, decide, save, through the interceptor
 * chain mnemeModule builds: users' interceptors, then the per-stream queue, then the
 * concurrency-retry interceptor (each optional), innermost last.
 */
export class CommandBus {
  readonly #timeoutMs: number;
  readonly #deciders: BoundDeciders | undefined;

  constructor(
    private readonly repository: AggregateRepository,
    private readonly router: CommandRouter,
    private readonly interceptors: readonly CommandInterceptor[],
    /** The `mneme.command` span and command metrics; default: the global OpenTelemetry providers. */
    private readonly telemetry: MnemeTelemetry = new MnemeTelemetry(),
    options: CommandBusOptions = {},
  ) {
    this.#deciders = options.deciders;
    this.#timeoutMs =
      options.timeoutMs === undefined
        ? DEFAULT_COMMAND_TIMEOUT_MS
        : checkTimeoutMs(options.timeoutMs, 'commandTimeoutMs');
  }

  /**
   * Runs the command once: if the aggregate's stream already holds events of this command id (a
   * re-sent command), resolves to them and writes nothing. Options are checked before anything is read.
   * Settles within its timeout (`options.timeoutMs`, or the bus's): then it fails with
   * `CommandTimeoutError`, and nothing the command decides later is written.
   */
  execute<C extends KnownCommand>(command: C, options?: CommandOptions): Promise<CommandResult<EventsOf<C>>> {
    // Not async: it returns the chain's own promise (an async function would wrap it in another,
    // two microtask turns more per command); what throws here still rejects the returned promise.
    try {
      const decision = this.#deciders?.find(commandClassOf(command));
      if (decision)
        return this.#executeDecision(command, decision.route, decision.instance, options) as Promise<
          CommandResult<EventsOf<C>>
        >;
      const { route, aggregateId, streamName } = this.router.route(command);
      const stamp = resolveCommandStamp(options);
      const timeoutMs = commandTimeoutMs(options, this.#timeoutMs);
      // A command id the caller chose may be sent twice at once; one drawn here is this call's alone.
      const idChosen = options?.commandId !== undefined;
      const context: CommandContext<C> & { [COMMAND_DEADLINE]: CommandDeadline } = {
        command,
        commandId: stamp.commandId,
        correlationId: stamp.correlationId,
        causationId: stamp.causationId,
        aggregateType: route.aggregateType,
        aggregateId,
        streamName,
        handlerName: route.handler.name,
        metadata: stamp.metadata, // a fresh object: interceptors may add to it
        attempt: 1,
        [COMMAND_DEADLINE]: new CommandDeadline(
          timeoutMs,
          (deadline) =>
            new CommandTimeoutError(
              route.handler.command.name,
              streamName,
              aggregateId,
              timeoutMs,
              context.attempt,
              deadline.lastError,
            ),
        ),
      };
      const deadline = context[COMMAND_DEADLINE];
      const dispatch = (index: number): Promise<CommandResult> => {
        const interceptor = this.interceptors[index];
        if (!interceptor) return this.#attempt(context, route, idChosen);
        return interceptor.intercept(context, () => dispatch(index + 1));
      };
      // The events are those the handler's applier classes rebuild; their type is the caller's registry's.
      return this.telemetry.command(context, () => deadline.bound(() => dispatch(0))) as Promise<
        CommandResult<EventsOf<C>>
      >;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A command decided across aggregates: the same chain, stamp and deadline; the context names every
   * aggregate (`streams`), the first one in the single-aggregate fields.
   */
  #executeDecision<C extends object>(
    command: C,
    route: DecisionRoute,
    instance: object,
    options: CommandOptions | undefined,
  ): Promise<CommandResult> {
    const targets: DecisionTarget[] = decisionTargets(route, command);
    const stamp = resolveCommandStamp(options);
    const timeoutMs = commandTimeoutMs(options, this.#timeoutMs);
    const idChosen = options?.commandId !== undefined;
    const first = targets[0]!;
    const context: CommandContext<C> & { [COMMAND_DEADLINE]: CommandDeadline } = {
      command,
      commandId: stamp.commandId,
      correlationId: stamp.correlationId,
      causationId: stamp.causationId,
      aggregateType: first.aggregateType,
      aggregateId: first.aggregateId,
      streamName: first.streamName,
      handlerName: route.name,
      streams: Object.freeze(
        targets.map(({ key, aggregateType, aggregateId, streamName }) =>
          Object.freeze({ key, aggregateType, aggregateId, streamName }),
        ),
      ),
      metadata: stamp.metadata,
      attempt: 1,
      [COMMAND_DEADLINE]: new CommandDeadline(
        timeoutMs,
        (deadline) =>
          new CommandTimeoutError(
            route.command.name,
            first.streamName,
            first.aggregateId,
            timeoutMs,
            context.attempt,
            deadline.lastError,
          ),
      ),
    };
    const deadline = context[COMMAND_DEADLINE];
    const dispatch = (index: number): Promise<CommandResult> => {
      const interceptor = this.interceptors[index];
      if (!interceptor) return attemptDecision(this.repository, route, instance, targets, context, idChosen);
      return interceptor.intercept(context, () => dispatch(index + 1));
    };
    return this.telemetry.command(context, () => deadline.bound(() => dispatch(0)));
  }

  /** One attempt: a fresh aggregate, replayed, decides; its events are saved at the revision read. */
  async #attempt(
    context: CommandContext,
    route: ReturnType<CommandRouter['route']>['route'],
    idChosen: boolean,
  ): Promise<CommandResult> {
    const { handler } = route;
    const deadline = deadlineOf(context);
    const { aggregate, stored } = await this.repository.loadForCommand(
      route.aggregateType,
      context.aggregateId,
      context.commandId,
    );
    if (stored) return resultOf(context, stored.events, stored.lastRevision);
    deadline?.check();

    const expects = handler.options.expects ?? 'any';
    if (expects === 'existing' && aggregate.revision < 0n) {
      throw new AggregateNotFoundError(route.aggregateType.name, context.aggregateId, context.streamName);
    }
    if (expects === 'new' && aggregate.revision >= 0n) {
      throw new AggregateAlreadyExistsError(
        route.aggregateType.name,
        context.aggregateId,
        context.streamName,
        aggregate.revision,
      );
    }

    // Handlers take (command, context); the context is optional for them to declare.
    let returned: unknown = Reflect.apply(handler.method, aggregate, [context.command, context]);
    // Awaited only when it is a promise: a synchronous handler costs no microtask turn.
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') returned = await returned;
    // Decided too late: the caller has its CommandTimeoutError, and nothing of this is written.
    deadline?.check();
    // Validate and serialize every returned event before applying any of them.
    const decided = toEventList(returned).map((event) => ({ data: serializeEvent(event), event: event as object }));
    aggregateInternals.record(aggregate, decided);

    // Another send of this id may have stored its events first: a chosen id, or an earlier attempt's append.
    const saved = await this.repository.saveCommand(
      aggregate,
      {
        metadata: context.metadata,
        commandId: context.commandId,
        correlationId: context.correlationId,
        causationId: context.causationId,
      },
      idChosen || context.attempt > 1,
    );
    return resultOf(context, saved.events, saved.nextExpectedRevision);
  }
}

function resultOf(context: CommandContext, events: readonly object[], nextExpectedRevision: bigint): CommandResult {
  return {
    aggregateId: context.aggregateId,
    streamName: context.streamName,
    events,
    nextExpectedRevision,
    attempts: context.attempt,
  };
}

function toEventList(returned: unknown): unknown[] {
  if (returned === undefined) return [];
  return Array.isArray(returned) ? returned : [returned];
}
