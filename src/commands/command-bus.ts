import { aggregateInternals } from '../aggregate/aggregate-root.js';
import type { AggregateRepository } from '../aggregate/aggregate-repository.js';
import { AggregateAlreadyExistsError, AggregateNotFoundError } from '../errors/aggregate-errors.js';
import { serializeEvent } from '../events/event-serializer.js';
import type { CommandContext, CommandInterceptor, CommandResult } from './command-interceptor.js';
import type { CommandRouter } from './command-router.js';

export interface ExecuteOptions {
  /** Added to the metadata of every event this command appends. */
  metadata?: Record<string, unknown>;
}

/**
 * Dispatches commands to their aggregate's handler: load, decide, save, through the interceptor
 * chain mnemeModule builds: users' interceptors, then the per-stream queue, then the
 * concurrency-retry interceptor (each optional), innermost last.
 */
export class CommandBus {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly router: CommandRouter,
    private readonly interceptors: readonly CommandInterceptor[],
  ) {}

  async execute<C extends object>(command: C, options: ExecuteOptions = {}): Promise<CommandResult> {
    const { route, aggregateId, streamName } = this.router.route(command);
    const context: CommandContext<C> = {
      command,
      aggregateType: route.aggregateType,
      aggregateId,
      streamName,
      handlerName: route.handler.name,
      metadata: { ...options.metadata },
      attempt: 1,
    };
    const dispatch = (index: number): Promise<CommandResult> => {
      const interceptor = this.interceptors[index];
      if (!interceptor) return this.#attempt(context, route);
      return interceptor.intercept(context, () => dispatch(index + 1));
    };
    return dispatch(0);
  }

  /** One attempt: a fresh aggregate, replayed, decides; its events are saved at the revision read. */
  async #attempt(context: CommandContext, route: ReturnType<CommandRouter['route']>['route']): Promise<CommandResult> {
    const { handler } = route;
    const aggregate = await this.repository.load(route.aggregateType, context.aggregateId);
    const expects = handler.options.expects ?? 'any';
    if (expects === 'existing' && aggregate.version < 0n) {
      throw new AggregateNotFoundError(route.aggregateType.name, context.aggregateId, context.streamName);
    }
    if (expects === 'new' && aggregate.version >= 0n) {
      throw new AggregateAlreadyExistsError(route.aggregateType.name, context.aggregateId, context.streamName, aggregate.version);
    }

    const returned = await handler.method.call(aggregate, context.command);
    // Validate and serialize every returned event before applying any of them.
    const decided = toEventList(returned).map((event) => ({ data: serializeEvent(event), event: event as object }));
    aggregateInternals.record(aggregate, decided);

    const hasMetadata = Object.keys(context.metadata).length > 0;
    const saved = await this.repository.save(aggregate, hasMetadata ? { metadata: context.metadata } : {});
    return {
      aggregateId: context.aggregateId,
      streamName: context.streamName,
      events: saved.events,
      nextExpectedVersion: saved.nextExpectedVersion,
      attempts: context.attempt,
    };
  }
}

function toEventList(returned: unknown): unknown[] {
  if (returned === undefined) return [];
  return Array.isArray(returned) ? returned : [returned];
}
