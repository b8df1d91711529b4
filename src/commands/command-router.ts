import { getCommandMetadata, type AggregateClass, type Class } from '../../decorators/index.js';
import {
  aggregateDefinition,
  categoryOf,
  streamNameFor,
  type HandlerDefinition,
} from '../aggregate/aggregate-definition.js';
import { assertAggregateClass, type AggregateRoot } from '../aggregate/aggregate-root.js';
import { DuplicateHandlerError, HandlerNotFoundError, InvalidAggregateIdError } from '../errors/command-errors.js';
import { InvalidCommandError } from '../errors/command-errors.js';

/** Where a command goes: its handler and how to find its aggregate id, resolved once per command class. */
export interface CommandRoute {
  readonly handler: HandlerDefinition;
  readonly aggregateType: AggregateClass<AggregateRoot>;
  readonly idOf: (command: object) => unknown;
}

/** A command routed to its aggregate instance. */
export interface RoutedCommand {
  readonly route: CommandRoute;
  readonly aggregateId: string;
  readonly streamName: string;
}

/**
 * The command -> handler table of a set of aggregates, built (and checked: one handler per command,
 * every aggregate with a category) when the module is loaded, so dispatch is a Map lookup.
 */
export class CommandRouter {
  readonly #routes = new Map<Function, CommandRoute>();

  constructor(aggregates: readonly AggregateClass<AggregateRoot>[]) {
    for (const aggregateType of aggregates) {
      assertAggregateClass(aggregateType);
      const definition = aggregateDefinition(aggregateType);
      categoryOf(definition); // an aggregate without a category fails here, not on first use
      for (const handler of definition.handlers.values()) {
        const existing = this.#routes.get(handler.command);
        if (existing && existing.handler !== handler) {
          throw new DuplicateHandlerError(handler.command.name, [existing.handler.name, handler.name]);
        }
        this.#routes.set(handler.command, { handler, aggregateType, idOf: idResolver(handler) });
      }
    }
  }

  /** The `@Handles` method of a command class, if an aggregate handles it. */
  handlerFor(commandType: Function): HandlerDefinition | undefined {
    return this.#routes.get(commandType)?.handler;
  }

  /** Finds the handler and the aggregate id; nothing is read or written before this succeeds. */
  route(command: object): RoutedCommand {
    const commandType = commandClassOf(command);
    const route = this.#routes.get(commandType);
    if (!route) throw new HandlerNotFoundError(commandType.name);
    const id = route.idOf(command);
    const problem = InvalidAggregateIdError.check(id);
    if (problem) throw new InvalidAggregateIdError(problem, { commandName: route.handler.command.name, value: id });
    return { route, aggregateId: id as string, streamName: streamNameFor(route.handler.aggregate, id as string) };
  }
}

function idResolver(handler: HandlerDefinition): (command: object) => unknown {
  if (handler.options.id) return handler.options.id as (command: object) => unknown;
  const property = getCommandMetadata(handler.command as Class)?.aggregateIdProperty;
  if (property === undefined) {
    return () => {
      throw new InvalidAggregateIdError(
        'the command class has no @AggregateId() property and its handler no id option',
        {
          commandName: handler.command.name,
        },
      );
    };
  }
  return (command) => (command as Record<string | symbol, unknown>)[property];
}

/** The class of a command, read from its prototype (an own `constructor` key cannot reroute it). */
export function commandClassOf(command: unknown): Function {
  if (typeof command !== 'object' || command === null) {
    throw new InvalidCommandError(command, 'a command is an object, an instance of its command class');
  }
  const prototype: unknown = Object.getPrototypeOf(command);
  if (prototype === null)
    throw new InvalidCommandError(command, 'it has no prototype (Object.create(null)), so it has no command class');
  if (prototype === Object.prototype) {
    throw new InvalidCommandError(command, 'a plain object has no command class; create the command with new');
  }
  // Found once per prototype: reading the own `constructor` allocates a property descriptor.
  const known = classByPrototype.get(prototype as object);
  if (known) return known;
  const commandType = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value as unknown;
  if (typeof commandType !== 'function') throw new InvalidCommandError(command, 'its prototype names no class');
  classByPrototype.set(prototype as object, commandType);
  return commandType;
}

const classByPrototype = new WeakMap<object, Function>();
