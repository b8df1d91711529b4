import { classTransformer } from '../events/class-transformer-loader.js';
import type { AggregateClass, Class } from '../../decorators/index.js';
import { aggregateDefinition } from '../aggregate/aggregate-definition.js';
import type { AggregateRoot } from '../aggregate/aggregate-root.js';
import { InvalidProcessManagerError } from '../errors/process-manager-errors.js';

/**
 * Commands as process records hold them: the class name and a JSON copy of the fields (through
 * class-transformer, so `@Type` fields come back as their classes). The classes are the ones the
 * registered aggregates handle; two of them with one class name cannot be told apart in a record.
 */
export class CommandCodec {
  readonly #byName = new Map<string, Class>();

  /** `learn`: any class is taken as a command, and known from then on (processSpec, which has no aggregates). */
  constructor(
    aggregates: readonly AggregateClass<AggregateRoot>[],
    private readonly learn = false,
  ) {
    for (const aggregate of aggregates) {
      for (const handler of aggregateDefinition(aggregate).handlers.values()) {
        const command = handler.command as Class;
        const known = this.#byName.get(command.name);
        if (known && known !== command) {
          throw new InvalidProcessManagerError(
            command.name,
            'two command classes have this class name; process records name commands by class name, so rename one',
          );
        }
        this.#byName.set(command.name, command);
      }
    }
  }

  encode(processManager: string, command: object): { type: string; data: Record<string, unknown> } {
    const type = (Object.getPrototypeOf(command) as { constructor?: Function } | null)?.constructor;
    if (this.learn && typeof type === 'function' && type !== Object && !this.#byName.has(type.name))
      this.#byName.set(type.name, type as Class);
    if (typeof type !== 'function' || this.#byName.get(type.name) !== type) {
      throw new InvalidProcessManagerError(
        processManager,
        `it sends ${type?.name ?? String(command)}, which no aggregate registered with mnemeModule({ aggregates }) handles`,
      );
    }
    return {
      type: type.name,
      data: JSON.parse(JSON.stringify(classTransformer().instanceToPlain(command))) as Record<string, unknown>,
    };
  }

  decode(processManager: string, type: string, data: Record<string, unknown>): object {
    const command = this.#byName.get(type);
    if (!command) {
      throw new InvalidProcessManagerError(
        processManager,
        `its stream holds a command ${type}, which no registered aggregate handles now`,
      );
    }
    return classTransformer().plainToInstance(command, data) as object;
  }
}
