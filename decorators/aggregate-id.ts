import 'reflect-metadata';
import type { Class } from './class-types.js';
import { COMMAND_KEY } from './metadata-keys.js';

export interface CommandMetadata {
  /** The property of the command that holds the aggregate id. */
  readonly aggregateIdProperty: string | symbol;
}

/** Marks the command property whose value is the target aggregate's id. */
export function AggregateId(): PropertyDecorator {
  return (prototype, property) => {
    Reflect.defineMetadata(COMMAND_KEY, Object.freeze({ aggregateIdProperty: property }), prototype.constructor);
  };
}

/** The command class's @AggregateId record, inherited from base command classes. */
export function getCommandMetadata(command: Class | Function): CommandMetadata | undefined {
  return Reflect.getMetadata(COMMAND_KEY, command) as CommandMetadata | undefined;
}
