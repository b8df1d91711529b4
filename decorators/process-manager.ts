import 'reflect-metadata';
import { classLineage } from './class-lineage.js';
import { PROCESS_MANAGER_KEY } from './metadata-keys.js';
import { rejectStandardDecoratorCall } from './legacy-decorator-call.js';
import type { ConsumerModeOptions, ProjectionSource } from './projection.js';

export interface ProcessManagerOptions extends ConsumerModeOptions {
  /**
   * Stable: it names the checkpoint and the category of the instances' streams (`<name>-<processId>`),
   * so it follows the rules of an aggregate category (no '-', no leading '$').
   */
  name: string;
  /** Where its input events come from, as for projections. */
  from: ProjectionSource;
}

/**
 * Makes a class (extending `ProcessManagerRoot`) a process manager: its `@On(Event, { processId })`
 * methods receive the events of `from`, each routed to the instance its `processId` names.
 */
export function ProcessManager(options: ProcessManagerOptions): ClassDecorator {
  const name = options?.name;
  if (typeof name !== 'string' || name.trim() === '' || name.includes('-') || name.startsWith('$')) {
    throw new TypeError(
      `@ProcessManager({ name }) needs a non-empty, stable name without '-' and not starting with '$' ` +
        `(it is the category of the process streams); got ${JSON.stringify(name)}.`,
    );
  }
  const from = options.from;
  if (from !== 'all') {
    const categories: unknown = (from as { categories?: unknown } | undefined)?.categories;
    if (!Array.isArray(categories) || categories.length === 0) {
      throw new TypeError(
        `@ProcessManager({ name: '${name}', from }) needs 'all' or { categories: ['Category', ...] }.`,
      );
    }
    for (const category of categories) {
      if (
        typeof category !== 'string' ||
        category.trim() === '' ||
        category.includes('-') ||
        category.startsWith('$') ||
        category === name
      ) {
        throw new TypeError(
          `@ProcessManager({ name: '${name}' }): category ${JSON.stringify(category)} must be a non-empty aggregate ` +
            `category without '-', not a system ('$') category, and not the process manager's own name.`,
        );
      }
    }
  }
  // The mode options are checked where the definition is compiled (with "did you mean").
  const frozen: ProcessManagerOptions = Object.freeze({
    ...options,
    name,
    from: from === 'all' ? 'all' : Object.freeze({ categories: Object.freeze([...from.categories]) }),
  });
  return function (target) {
    rejectStandardDecoratorCall(`@ProcessManager({ name: '${name}' })`, arguments);
    Reflect.defineMetadata(PROCESS_MANAGER_KEY, frozen, target);
  };
}

/** The options of the nearest class in `type`'s lineage decorated with @ProcessManager. */
export function getProcessManagerOptions(type: Function): ProcessManagerOptions | undefined {
  for (const c of classLineage(type)) {
    const options = Reflect.getOwnMetadata(PROCESS_MANAGER_KEY, c) as ProcessManagerOptions | undefined;
    if (options) return options;
  }
  return undefined;
}
