import {
  getEventTypeMetadata,
  getProcessManagerOptions,
  getProjectionMetadataChain,
  type Class,
  type ProjectionSource,
} from '../../decorators/index.js';
import { InvalidProcessManagerError } from '../errors/process-manager-errors.js';
import { competingOptions, type CompetingOptions } from '../projections/competing-options.js';
import type { AllFilter } from '../store/event-store.js';
import { ProcessManagerRoot } from './process-manager-root.js';
import { COMMAND_REJECTED_EVENT_TYPE, TIMER_FIRED_EVENT_TYPE } from './process-records.js';

type OnMethod = (this: object, event: object, envelope: unknown) => unknown;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as OnOptions.processId: any event class and envelope
type ProcessIdOf = (event: any, envelope: any) => string | undefined;

export interface ProcessHandler {
  readonly event: Class;
  /** `Class.method`, for messages. */
  readonly name: string;
  readonly method: OnMethod;
  /** Absent: the handler takes only events of the instance's own stream (scheduled events, CommandRejected). */
  readonly processId: ProcessIdOf | undefined;
}

export interface ProcessManagerDefinition {
  readonly type: Function;
  readonly name: string;
  readonly from: ProjectionSource;
  /** Stored event type -> handler. */
  readonly handlers: ReadonlyMap<string, ProcessHandler>;
  /** The instances' streams are `<streamPrefix><processId>`. */
  readonly streamPrefix: string;
  /** Its inputs: the `from` events, plus the instances' own streams (fired timers, rejections). */
  readonly filter: AllFilter;
  /** Set for `mode: 'competing'`: the group the app instances share. Absent: catch-up. */
  readonly competing?: CompetingOptions;
}

const definitions = new WeakMap<Function, ProcessManagerDefinition>();

export function processManagerDefinition(type: Function): ProcessManagerDefinition {
  let definition = definitions.get(type);
  if (!definition) {
    definition = compile(type);
    definitions.set(type, definition);
  }
  return definition;
}

function compile(type: Function): ProcessManagerDefinition {
  const options = getProcessManagerOptions(type);
  if (!options) {
    throw new InvalidProcessManagerError(
      type.name,
      `decorate the class with @ProcessManager({ name: '${type.name}', from: { categories: [...] } })`,
    );
  }
  const competing = competingOptions(
    options,
    `@ProcessManager({ name: '${options.name}' })`,
    (reason) => new InvalidProcessManagerError(options.name, reason),
  );
  if (!(type.prototype instanceof ProcessManagerRoot)) {
    throw new InvalidProcessManagerError(options.name, `${type.name} must extend ProcessManagerRoot`);
  }
  const byMethod = new Map<string | symbol, { event: Class; processId: ProcessIdOf | undefined }>();
  for (const record of getProjectionMetadataChain(type)) {
    for (const handler of record.handlers)
      byMethod.set(handler.method, { event: handler.event, processId: handler.options?.processId });
  }
  const prototype = type.prototype as unknown as Record<string | symbol, unknown>;
  const handlers = new Map<string, ProcessHandler>();
  for (const [method, { event, processId }] of byMethod) {
    const name = `${type.name}.${String(method)}`;
    const fn = prototype[method];
    if (typeof fn !== 'function')
      throw new InvalidProcessManagerError(options.name, `decorated member ${String(method)} is not a method`);
    const stored = getEventTypeMetadata(event)?.name;
    if (!stored)
      throw new InvalidProcessManagerError(options.name, `${name} handles ${event.name}, which has no @EventType`);
    if (stored === TIMER_FIRED_EVENT_TYPE)
      throw new InvalidProcessManagerError(options.name, `${name}: ${event.name} is internal to process managers`);
    const other = handlers.get(stored);
    if (other)
      throw new InvalidProcessManagerError(
        options.name,
        `both ${other.name} and ${name} are @On(${event.name}); an event needs one handler`,
      );
    handlers.set(stored, { event, name, method: fn as OnMethod, processId });
  }
  if (![...handlers.values()].some((handler) => handler.processId)) {
    throw new InvalidProcessManagerError(
      options.name,
      'no @On(Event, { processId }) method: without one no event ever starts an instance',
    );
  }
  const streamPrefix = `${options.name}-`;
  const filter: AllFilter =
    options.from === 'all'
      ? { eventTypePrefixes: [...new Set([...handlers.keys(), TIMER_FIRED_EVENT_TYPE, COMMAND_REJECTED_EVENT_TYPE])] }
      : { streamNamePrefixes: [...options.from.categories.map((category) => `${category}-`), streamPrefix] };
  return {
    type,
    name: options.name,
    from: options.from,
    handlers,
    streamPrefix,
    filter,
    ...(competing ? { competing } : {}),
  };
}
