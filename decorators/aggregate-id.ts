import 'reflect-metadata';
import type { Class } from './class-types.js';
import { COMMAND_KEY } from './metadata-keys.js';
import { InvalidDecoratorError } from '../src/errors/decorator-errors.js';
import { rejectStandardDecoratorCall } from './legacy-decorator-call.js';

export interface CommandMetadata {
  /** The property of the command that holds the aggregate id. */
  readonly aggregateIdProperty: string | symbol;
}

/** Marks the command property whose value is the target aggregate's id. */
export function AggregateId(): PropertyDecorator {
  return function (prototype, property) {
    rejectStandardDecoratorCall('@AggregateId()', arguments);
    if (typeof prototype === 'function') {
      throw new InvalidDecoratorError(
        '@AggregateId()',
        'it goes on an instance property, not a static one',
        `${prototype.name}.${String(property)}`,
      );
    }
    const command = prototype.constructor;
    const own = Reflect.getOwnMetadata(COMMAND_KEY, command) as CommandMetadata | undefined;
    if (own && own.aggregateIdProperty !== property) {
      throw new InvalidDecoratorError(
        '@AggregateId()',
        `${command.name} already has @AggregateId() on ${String(own.aggregateIdProperty)}; a command targets one ` +
          `aggregate, so mark exactly one property (or give @Handles(${command.name}, { id: (cmd) => ... }))`,
        `${command.name}.${String(property)}`,
      );
    }
    Reflect.defineMetadata(COMMAND_KEY, Object.freeze({ aggregateIdProperty: property }), command);
  };
}

/** The command class's @AggregateId record, inherited from base command classes. */
export function getCommandMetadata(command: Class | Function): CommandMetadata | undefined {
  return Reflect.getMetadata(COMMAND_KEY, command) as CommandMetadata | undefined;
}
