import { aggregateInternals, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { InvalidDecisionError } from '../errors/decision-errors.js';
import { serializeEvent } from '../events/event-serializer.js';
import type { AggregateRepository } from '../repository/aggregate-repository.js';
import { saveDecision, type DecisionStreamSaved } from '../repository/decision-save.js';
import type { EventData } from '../store/event-store.js';
import { deadlineOf } from './command-deadline.js';
import type { CommandContext, CommandResult, StreamOutcome } from './command-interceptor.js';
import type { DecisionRoute, DecisionTarget } from './decider-table.js';

/**
 * One attempt of a command decided across aggregates: every declared aggregate loaded (through the
 * cache when it is on), the decider called with copies of them, and what it decided appended in one
 * commit with each aggregate's revision, the unchanged ones as checks. The retry loop runs this
 * again on a conflict, so a retry reloads them all. A command whose events any of the streams
 * already holds (a re-send) is answered with what every stream holds of it, and nothing is decided.
 */
export async function attemptDecision(
  repository: AggregateRepository,
  route: DecisionRoute,
  instance: object,
  targets: readonly DecisionTarget[],
  context: CommandContext,
  idChosen: boolean,
): Promise<CommandResult> {
  const deadline = deadlineOf(context);
  const load = (target: DecisionTarget) =>
    repository.loadForCommand(target.aggregateType, target.aggregateId, context.commandId);
  const loaded = await Promise.all(targets.map(load));
  if (loaded.some((one) => one.stored)) {
    // The streams are read one by one: one read before the command's commit may miss what a later
    // read shows. Those without its events are read again, after the commit the others show.
    await Promise.all(
      loaded.map(async (one, index) => void (one.stored || (loaded[index] = await load(targets[index]!)))),
    );
    return resultOf(
      context,
      targets,
      loaded.map(({ aggregate, stored }, index) => ({
        streamName: targets[index]!.streamName,
        written: false,
        events: stored?.events ?? [],
        nextExpectedRevision: stored?.lastRevision ?? aggregate.revision,
      })),
    );
  }
  deadline?.check();

  const aggregates: Record<string, AggregateRoot> = {};
  targets.forEach((target, index) => (aggregates[target.key] = loaded[index]!.aggregate));
  let returned: unknown = Reflect.apply(route.method, instance, [context.command, Object.freeze(aggregates), context]);
  if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') returned = await returned;
  // Decided too late: the caller has its CommandTimeoutError, and nothing of this is written.
  deadline?.check();

  // Every event validated and serialized before any is applied.
  const decided = decidedPerTarget(route, targets, returned);
  targets.forEach((target, index) => aggregateInternals.record(aggregates[target.key]!, decided[index]!));
  const saved = await saveDecision(
    repository,
    targets.map((target) => ({ aggregate: aggregates[target.key]!, streamName: target.streamName })),
    {
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.causationId,
      metadata: context.metadata,
    },
    idChosen || context.attempt > 1,
  );
  return resultOf(context, targets, saved);
}

function decidedPerTarget(
  route: DecisionRoute,
  targets: readonly DecisionTarget[],
  returned: unknown,
): { data: EventData; event: object }[][] {
  const fail = (reason: string) => new InvalidDecisionError(route.command.name, route.name, reason);
  if (returned === undefined) return targets.map(() => []);
  if (typeof returned !== 'object' || returned === null || Array.isArray(returned)) {
    throw fail(
      `it returned ${Array.isArray(returned) ? 'an array' : String(returned)}, not an object of events by key (${targets.map((t) => t.key).join(', ')})`,
    );
  }
  const keys = new Set(targets.map((target) => target.key));
  for (const key of Object.keys(returned)) {
    if (!keys.has(key))
      throw fail(
        `it returned events for '${key}', which its command does not declare (declared: ${[...keys].join(', ')})`,
      );
  }
  return targets.map((target) => {
    const events: unknown = (returned as Record<string, unknown>)[target.key];
    if (events === undefined) return [];
    const list: unknown[] = Array.isArray(events) ? events : [events];
    return list.map((event) => ({ data: serializeEvent(event), event: event as object }));
  });
}

function resultOf(
  context: CommandContext,
  targets: readonly DecisionTarget[],
  saved: readonly DecisionStreamSaved[],
): CommandResult {
  const streams: Record<string, StreamOutcome> = {};
  targets.forEach((target, index) => {
    const { written, events, nextExpectedRevision } = saved[index]!;
    streams[target.key] = Object.freeze({
      aggregateId: target.aggregateId,
      streamName: target.streamName,
      written,
      events,
      nextExpectedRevision,
    });
  });
  return {
    aggregateId: context.aggregateId,
    streamName: context.streamName,
    events: saved.flatMap((stream) => stream.events),
    nextExpectedRevision: saved[0]!.nextExpectedRevision,
    attempts: context.attempt,
    streams: Object.freeze(streams),
  };
}
