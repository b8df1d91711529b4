import { getDeciderRecords, type Class, type DecidesOptions } from '../../decorators/index.js';
import { aggregateDefinition, streamNameFor } from '../aggregate/aggregate-definition.js';
import { AggregateRoot, type AggregateRoot as AggregateRootType } from '../aggregate/aggregate-root.js';
import { DuplicateHandlerError, InvalidAggregateIdError } from '../errors/command-errors.js';
import { InvalidDeciderError, InvalidDecisionAggregatesError } from '../errors/decision-errors.js';
import { describeValue } from '../errors/describe-value.js';
import { InvalidAggregateError } from '../errors/aggregate-errors.js';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';
import type { CommandRouter } from './command-router.js';

/** A `@Decides` method, compiled: the command it decides and how to find its aggregates. */
export interface DecisionRoute {
  readonly command: Class;
  readonly deciderType: Function;
  /** `Decider.method`, for messages and `CommandContext.handlerName`. */
  readonly name: string;
  readonly method: (...args: unknown[]) => unknown;
  readonly aggregates: (command: object) => unknown;
}

/** One aggregate of a decided command, resolved from its `aggregates` declaration. */
export interface DecisionTarget {
  readonly key: string;
  readonly aggregateType: new () => AggregateRootType;
  readonly aggregateId: string;
  readonly streamName: string;
}

const DECIDES_OPTIONS: OptionShape = { aggregates: rule.function } satisfies Record<keyof DecidesOptions, unknown>;

/**
 * The command -> decider table of `mnemeModule({ deciders })`, built and checked when the module is
 * loaded: every class has `@Decides` methods, and no command is decided twice or also handled by an
 * aggregate's `@Handles`.
 */
export class DeciderTable {
  readonly #routes = new Map<Function, DecisionRoute>();

  constructor(deciders: readonly unknown[], router: CommandRouter) {
    deciders.forEach((decider, index) => {
      if (typeof decider !== 'function')
        throw new InvalidDeciderError(
          `#${index} (${describeValue(decider)})`,
          'a decider is a class with @Decides methods',
        );
      const records = getDeciderRecords(decider);
      if (records.length === 0)
        throw new InvalidDeciderError(
          decider.name,
          'it has no @Decides method: mark one with @Decides(Command, { aggregates })',
        );
      for (const record of records) {
        const name = `${decider.name}.${String(record.method)}`;
        checkOptions(record.options, `@Decides(${record.command.name}) on ${name}`, DECIDES_OPTIONS);
        const taken = this.#routes.get(record.command)?.name ?? router.handlerFor(record.command)?.name;
        if (taken !== undefined && taken !== name) throw new DuplicateHandlerError(record.command.name, [taken, name]);
        const method = (decider.prototype as Record<string | symbol, unknown>)[record.method] as (
          ...args: unknown[]
        ) => unknown;
        this.#routes.set(record.command, {
          command: record.command,
          deciderType: decider,
          name,
          method,
          aggregates: record.options.aggregates as (command: object) => unknown,
        });
      }
    });
  }

  /** The decider classes, each once. */
  get deciderTypes(): Function[] {
    return [...new Set([...this.#routes.values()].map((route) => route.deciderType))];
  }

  find(commandType: Function): DecisionRoute | undefined {
    return this.#routes.get(commandType);
  }
}

/**
 * The aggregates a decided command touches, in the order its `aggregates` function lists them,
 * checked before anything is read: `[AggregateClass, id]` pairs, each a different stream.
 */
export function decisionTargets(route: DecisionRoute, command: object): DecisionTarget[] {
  const fail = (reason: string, key?: string) =>
    new InvalidDecisionAggregatesError(route.command.name, route.name, reason, key);
  const declared = route.aggregates(command);
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared))
    throw fail(`it returned ${describeValue(declared)}`);
  const targets: DecisionTarget[] = [];
  const byStream = new Map<string, string>();
  for (const [key, ref] of Object.entries(declared)) {
    if (!Array.isArray(ref) || ref.length !== 2)
      throw fail(`'${key}' is ${describeValue(ref)}, not [AggregateClass, id]`, key);
    const [aggregateType, aggregateId] = ref as [unknown, unknown];
    if (typeof aggregateType !== 'function' || !(aggregateType.prototype instanceof AggregateRoot)) {
      throw fail(`'${key}' names ${describeValue(aggregateType)}, not a class extending AggregateRoot`, key);
    }
    const problem = InvalidAggregateIdError.check(aggregateId);
    if (problem) throw fail(`the id of '${key}' is invalid: ${problem}`, key);
    let streamName: string;
    try {
      streamName = streamNameFor(aggregateDefinition(aggregateType), aggregateId as string);
    } catch (error) {
      throw InvalidAggregateError.is(error) ? fail(`'${key}': ${error.message}`, key) : error;
    }
    const other = byStream.get(streamName.toLowerCase());
    if (other !== undefined)
      throw fail(`'${other}' and '${key}' name the same stream '${streamName}' (load it once, under one key)`, key);
    byStream.set(streamName.toLowerCase(), key);
    targets.push({
      key,
      aggregateType: aggregateType as new () => AggregateRootType,
      aggregateId: aggregateId as string,
      streamName,
    });
  }
  if (targets.length === 0) throw fail('it named no aggregate');
  return targets;
}

/** The deciders of one container: each route with the instance the container resolved for its class. */
export class BoundDeciders {
  readonly #instances: ReadonlyMap<Function, object>;

  constructor(
    readonly table: DeciderTable,
    resolve: (deciderType: Function) => object,
  ) {
    this.#instances = new Map(table.deciderTypes.map((type) => [type, resolve(type)]));
  }

  find(commandType: Function): { route: DecisionRoute; instance: object } | undefined {
    const route = this.table.find(commandType);
    return route && { route, instance: this.#instances.get(route.deciderType)! };
  }
}
