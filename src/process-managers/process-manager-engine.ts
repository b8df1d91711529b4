import { eventIdFor } from '../repository/command-stamp.js';
import type { CommandOptions } from '../commands/command-options.js';
import { AggregateAlreadyExistsError, AggregateNotFoundError } from '../errors/aggregate-errors.js';
import { ConcurrencyError } from '../errors/command-errors.js';
import { DomainError } from '../errors/command-errors.js';
import { InvalidProcessManagerError } from '../errors/process-manager-errors.js';
import { eventTypeOf, rebuildEvent, serializeEvent } from '../events/event-serializer.js';
import { Logger, SilentLogger } from '../logging/logger.js';
import { CONSUMER, type Consumer, type ConsumerHooks } from '../projections/consumer.js';
import type { ProjectionHandler } from '../projections/projection-definition.js';
import type { EventStore, PositionedEvent, RecordedEvent } from '../store/event-store.js';
import { NO_STREAM } from '../store/expected-revision.js';
import type { GlobalPosition } from '../store/global-position.js';
import { systemClock, type Clock } from './clock.js';
import type { CommandCodec } from './command-codec.js';
import { CommandRejected, ProcessTimerFired } from './process-events.js';
import {
  processManagerDefinition,
  type ProcessHandler,
  type ProcessManagerDefinition,
} from './process-manager-definition.js';
import { enterScope, leaveScope, type ProcessManagerRoot } from './process-manager-root.js';
import {
  COMMAND_REJECTED_EVENT_TYPE,
  foldInstance,
  HANDLED_EVENT_TYPE,
  TIMER_FIRED_EVENT_TYPE,
  type HandledRecord,
  type ProcessInstance,
  type RecordedCommand,
  type RecordedTimer,
} from './process-records.js';
import { TimerScheduler } from './timer-scheduler.js';

/** Where a process manager's commands go: the CommandBus (or, in processSpec, a recorder). */
export interface CommandSender {
  execute(command: object, options?: CommandOptions): Promise<unknown>;
}

export interface ProcessManagerEngineConfig {
  readonly store: EventStore;
  readonly commands: CommandSender;
  readonly codec: CommandCodec;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** How often due timers are looked for (default 1000 ms): a timer fires at most about this late. */
  readonly timerPollMs?: number;
  readonly logger?: Logger;
}

/** The second argument of a process manager's `@On` handlers: the input as stored, and its instance. */
export interface ProcessEnvelope extends PositionedEvent {
  readonly processId: string;
  /**
   * A key that is the same every time this input is handled by this instance (redeliveries,
   * retries, another app instance): pass it to an external service as the idempotency key of the
   * effect, so a repeated call is recognised. `label` tells several effects of one handling apart.
   */
  idempotencyKey(label?: string): string;
}

/** Conflicts tolerated in a row on one instance's stream before the handling counts as failed (and is retried). */
const MAX_CONFLICTS = 50;
/** catchUp() rounds at most: a process manager whose reactions never settle still returns. */
const MAX_CATCH_UP_ROUNDS = 100;

/**
 * Runs one process manager inside a ProjectionRunner (through the runner's consumer hook): each
 * input event is recorded in its instance's stream with what the handler decided, then the
 * decided commands are sent with derived command ids; due timers are fired by a TimerScheduler.
 */
export class ProcessManagerEngine implements Consumer {
  readonly [CONSUMER]: ConsumerHooks;
  readonly definition: ProcessManagerDefinition;
  readonly #store: EventStore;
  readonly #commands: CommandSender;
  readonly #codec: CommandCodec;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timers: TimerScheduler;

  constructor(
    /** The instance resolved from the container: the template of every process instance (its services are shared). */
    readonly template: ProcessManagerRoot,
    config: ProcessManagerEngineConfig,
  ) {
    this.definition = processManagerDefinition(template.constructor);
    this.#store = config.store;
    this.#commands = config.commands;
    this.#codec = config.codec;
    this.#clock = config.clock ?? systemClock;
    this.#logger = config.logger ?? new SilentLogger();
    const pollMs = config.timerPollMs ?? 1000;
    if (!(pollMs >= 1) || pollMs > 2 ** 31 - 1) {
      throw new InvalidProcessManagerError(
        this.definition.name,
        `timerPollMs must be a number of ms >= 1, got ${String(pollMs)}`,
      );
    }
    this.#timers = new TimerScheduler({
      streamPrefix: this.definition.streamPrefix,
      store: this.#store,
      clock: this.#clock,
      logger: this.#logger,
      processManager: this.definition.name,
      fire: (streamName, timerId) => this.fireTimer(streamName, timerId),
      pollMs,
    });
    const input = (event: object, recorded: PositionedEvent) => this.handle(event, recorded);
    const handlers = new Map<string, ProjectionHandler>();
    for (const [type, handler] of this.definition.handlers)
      handlers.set(type, { event: handler.event, name: handler.name, method: input });
    handlers.set(TIMER_FIRED_EVENT_TYPE, {
      event: ProcessTimerFired,
      name: `${this.definition.name}.timer`,
      method: input,
    });
    const { type, name, from, filter, competing } = this.definition;
    this[CONSUMER] = {
      definition: { type, name, from, filter, handlers, ...(competing ? { competing } : {}) },
      instance: this,
      start: () => this.#timers.start(),
      stop: () => this.#timers.stop(),
      catchUp: (workerCaughtUp) => this.#catchUp(workerCaughtUp),
    };
  }

  get name(): string {
    return this.definition.name;
  }

  /**
   * Until nothing more happens (bounded): the worker handles what was written, then the timers due
   * now fire; if that wrote more inputs (the sent commands' events, fired timers, rejections), again.
   */
  async #catchUp(workerCaughtUp: () => Promise<void>): Promise<void> {
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      const before = await this.#head();
      await workerCaughtUp();
      await this.#timers.tick();
      const after = await this.#head();
      if (before?.commit === after?.commit && before?.prepare === after?.prepare) return;
    }
  }

  async #head(): Promise<GlobalPosition | undefined> {
    for await (const latest of this.#store.readAll({
      direction: 'backwards',
      maxCount: 1,
      filter: this.definition.filter,
    }))
      return latest.position;
    return undefined;
  }

  /** Handles one input event (from `from`, or a fired timer / rejection of an instance's own stream). */
  async handle(event: object, recorded: PositionedEvent): Promise<void> {
    const { streamPrefix, handlers } = this.definition;
    if (recorded.streamName.startsWith(streamPrefix)) {
      const processId = recorded.streamName.slice(streamPrefix.length);
      if (recorded.type === TIMER_FIRED_EVENT_TYPE)
        return this.#handleFor(processId, recorded, { timerId: (event as ProcessTimerFired).timerId });
      const handler = handlers.get(recorded.type);
      if (handler) return this.#handleFor(processId, recorded, { event, handler });
      return;
    }
    // Another process manager's fired timers and rejections are not inputs of this one.
    if (recorded.type === TIMER_FIRED_EVENT_TYPE || recorded.type === COMMAND_REJECTED_EVENT_TYPE) return;
    const handler = handlers.get(recorded.type);
    if (!handler?.processId) return;
    const processId: unknown = handler.processId(event, recorded);
    if (processId === undefined) return;
    if (typeof processId !== 'string' || processId.trim() === '') {
      throw new InvalidProcessManagerError(
        this.name,
        `${handler.name}'s processId returned ${JSON.stringify(processId)}; return a non-empty string, or undefined to skip the event`,
      );
    }
    return this.#handleFor(processId, recorded, { event, handler });
  }

  /** The instance's stream, read and folded. */
  async load(streamName: string): Promise<ProcessInstance> {
    const events: RecordedEvent[] = [];
    for await (const recorded of this.#store.readStream(streamName)) events.push(recorded);
    return foldInstance(events);
  }

  streamNameOf(processId: string): string {
    return `${this.definition.streamPrefix}${processId}`;
  }

  /** Appends the ProcessTimerFired input of a due timer, once: not if it fired, was cancelled, or the instance completed. */
  async fireTimer(streamName: string, timerId: string): Promise<boolean> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const instance = await this.load(streamName);
      if (
        instance.last?.completed ||
        instance.fired.has(timerId) ||
        !instance.last?.timers.some((timer) => timer.id === timerId)
      )
        return false;
      const fired = serializeEvent(new ProcessTimerFired(timerId));
      try {
        await this.#store.appendToStream(streamName, [{ ...fired, id: this.#id('fired', streamName, timerId) }], {
          expectedRevision: instance.revision,
        });
        return true;
      } catch (error) {
        if (!ConcurrencyError.is(error)) throw error;
      }
    }
    throw new Error(`${this.name}: too many concurrent writes on '${streamName}' while firing timer ${timerId}`);
  }

  async #handleFor(
    processId: string,
    recorded: PositionedEvent,
    input: { event: object; handler: ProcessHandler } | { timerId: string },
  ): Promise<void> {
    const streamName = this.streamNameOf(processId);
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const instance = await this.load(streamName);
      const existing = instance.byInput.get(recorded.id);
      // Recorded already (a redelivery, a restart after a crash, another app instance): only the sends remain.
      if (existing) return this.#dispatch(streamName, processId, recorded, existing, instance.rejected);
      if (instance.last?.completed) {
        this.#logger.debug('process manager input ignored: its instance completed', {
          processManager: this.name,
          processId,
          type: recorded.type,
        });
        return;
      }
      const record = await this.#decide(processId, instance, recorded, input);
      if (!record) return;
      try {
        await this.#store.appendToStream(
          streamName,
          [
            {
              id: this.#id('record', recorded.id),
              type: HANDLED_EVENT_TYPE,
              data: record,
              metadata: { $causationId: recorded.id, $correlationId: correlationOf(recorded) },
            },
          ],
          { expectedRevision: instance.revision < 0n ? NO_STREAM : instance.revision },
        );
      } catch (error) {
        if (ConcurrencyError.is(error)) continue;
        throw error;
      }
      // What is stored is what is sent: re-read, as an identical append by a racing instance succeeds without writing.
      const after = await this.load(streamName);
      return this.#dispatch(streamName, processId, recorded, after.byInput.get(recorded.id) ?? record, after.rejected);
    }
    throw new Error(
      `${this.name}: too many concurrent writes on '${streamName}' while recording ${recorded.type} ${recorded.id}`,
    );
  }

  async #decide(
    processId: string,
    instance: ProcessInstance,
    recorded: PositionedEvent,
    input: { event: object; handler: ProcessHandler } | { timerId: string },
  ): Promise<HandledRecord | undefined> {
    let pending = instance.last?.timers ?? [];
    let event: object;
    let handler: ProcessHandler;
    if ('timerId' in input) {
      const timer = pending.find((candidate) => candidate.id === input.timerId);
      if (!timer) return undefined; // fired and handled already, or cancelled
      pending = pending.filter((candidate) => candidate !== timer);
      if (timer.kind === 'command') {
        const commands = [
          { type: timer.type, data: timer.data, commandId: this.#id('command', processId, recorded.id, 0) },
        ];
        return {
          input: inputOf(recorded),
          state: instance.last?.state ?? {},
          commands,
          timers: pending,
          completed: false,
        };
      }
      event = rebuildEvent({ type: timer.type, data: timer.data });
      const found = this.definition.handlers.get(timer.type);
      if (!found)
        throw new InvalidProcessManagerError(this.name, `a timer delivers ${timer.type}, which no @On method handles`);
      handler = found;
    } else {
      ({ event, handler } = input);
    }

    const target = this.#materialize(instance.last?.state);
    const decisions = enterScope(target, this.name, this.#clock.now());
    const envelope: ProcessEnvelope = Object.freeze({
      ...recorded,
      processId,
      idempotencyKey: (label = '') => this.#id('effect', processId, recorded.id, String(label)),
    });
    try {
      await handler.method.call(target, event, envelope);
    } finally {
      leaveScope(target);
    }
    const commands: RecordedCommand[] = decisions.sends.map(({ command, options }, index) => ({
      ...this.#codec.encode(this.name, command),
      commandId: this.#id('command', processId, recorded.id, index),
      ...(options?.metadata
        ? { metadata: JSON.parse(JSON.stringify(options.metadata)) as Record<string, unknown> }
        : {}),
    }));
    const timers = decisions.completed
      ? []
      : [
          ...pending,
          ...decisions.schedules.map(({ message, at }, index) =>
            this.#timer(message, at, this.#id('timer', processId, recorded.id, index)),
          ),
        ];
    return { input: inputOf(recorded), state: stateOf(target), commands, timers, completed: decisions.completed };
  }

  #timer(message: object, at: number, id: string): RecordedTimer {
    // An @EventType instance is an event for this instance's own handler; anything else, a command for the bus.
    if (eventTypeOf(message) === undefined)
      return { id, at, kind: 'command', ...this.#codec.encode(this.name, message) };
    const serialized = serializeEvent(message);
    if (!this.definition.handlers.has(serialized.type)) {
      throw new InvalidProcessManagerError(
        this.name,
        `it schedules ${serialized.type}, which none of its @On methods handles`,
      );
    }
    return { id, at, kind: 'event', type: serialized.type, data: serialized.data as Record<string, unknown> };
  }

  /** Sends the record's commands in order, each with its derived id; a rejected one is recorded, not retried. */
  async #dispatch(
    streamName: string,
    processId: string,
    recorded: PositionedEvent,
    record: HandledRecord,
    rejected: ReadonlySet<string>,
  ): Promise<void> {
    for (const recordedCommand of record.commands) {
      if (rejected.has(recordedCommand.commandId)) continue;
      const command = this.#codec.decode(this.name, recordedCommand.type, recordedCommand.data);
      try {
        await this.#commands.execute(command, {
          commandId: recordedCommand.commandId,
          correlationId: correlationOf(recorded),
          causationId: recorded.id,
          metadata: { ...recordedCommand.metadata, processManager: this.name, processId },
        });
      } catch (error) {
        if (!isRejection(error)) throw error;
        await this.#recordRejection(streamName, recordedCommand, error);
      }
    }
  }

  async #recordRejection(
    streamName: string,
    command: RecordedCommand,
    error: Error & { code?: unknown },
  ): Promise<void> {
    this.#logger.info('process manager command rejected', {
      processManager: this.name,
      streamName,
      command: command.type,
      error: error.message,
    });
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const instance = await this.load(streamName);
      if (instance.rejected.has(command.commandId)) return;
      const rejection = serializeEvent(
        new CommandRejected(
          command.type,
          command.commandId,
          String(error.code ?? 'MNEME_ERROR'),
          error.message,
          command.data,
        ),
      );
      try {
        await this.#store.appendToStream(streamName, [{ ...rejection, id: this.#id('rejected', command.commandId) }], {
          expectedRevision: instance.revision < 0n ? NO_STREAM : instance.revision,
        });
        return;
      } catch (appendError) {
        if (!ConcurrencyError.is(appendError)) throw appendError;
      }
    }
    throw new Error(`${this.name}: too many concurrent writes on '${streamName}' while recording a rejection`);
  }

  /** A fresh object of the process manager's class: the template's services, its defaults deep-copied, then the recorded state. */
  #materialize(state: Record<string, unknown> | undefined): ProcessManagerRoot {
    const template = this.template as unknown as Record<string, unknown>;
    const target = Object.create(Object.getPrototypeOf(this.template) as object) as Record<string, unknown>;
    for (const key of Object.keys(template)) {
      const value = template[key];
      if (value instanceof Map || value instanceof Set) {
        // Neither stored (not JSON) nor safe to share between instances: refuse rather than mix them up.
        throw new InvalidProcessManagerError(
          this.name,
          `field '${key}' holds a ${value.constructor.name}; state is JSON data: use an array or a plain object`,
        );
      }
      target[key] = isData(value) ? structuredClone(value) : value;
    }
    if (state) for (const [key, value] of Object.entries(state)) target[key] = structuredClone(value);
    return target as unknown as ProcessManagerRoot;
  }

  #id(...parts: (string | number)[]): string {
    return eventIdFor(JSON.stringify(['mneme.process', this.name, ...parts]), 0);
  }
}

function inputOf(recorded: RecordedEvent): HandledRecord['input'] {
  return { id: recorded.id, type: recorded.type, streamName: recorded.streamName, revision: String(recorded.revision) };
}

function correlationOf(recorded: RecordedEvent): string {
  const correlation = recorded.metadata?.['$correlationId'];
  return typeof correlation === 'string' && correlation !== '' ? correlation : recorded.id;
}

function isRejection(error: unknown): error is Error & { code?: unknown } {
  return DomainError.is(error) || AggregateNotFoundError.is(error) || AggregateAlreadyExistsError.is(error);
}

function isData(value: unknown): boolean {
  if (value === null || value === undefined) return value === null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return true;
  if (Array.isArray(value) || value instanceof Date) return true;
  if (typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** The instance's plain fields, as JSON (services and other class instances are not state). */
function stateOf(target: object): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    if (isData(value)) state[key] = JSON.parse(JSON.stringify(value)) as unknown;
  }
  return state;
}
