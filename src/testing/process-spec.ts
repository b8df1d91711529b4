import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { Class } from '../../decorators/index.js';
import { ProcessSpecFailedError } from '../errors/testing-errors.js';
import { eventTypeOf, rebuildEvent } from '../events/event-serializer.js';
import { CommandCodec } from '../process-managers/command-codec.js';
import { ProcessManagerEngine } from '../process-managers/process-manager-engine.js';
import type { ProcessManagerRoot } from '../process-managers/process-manager-root.js';
import { HANDLED_EVENT_TYPE, type HandledRecord } from '../process-managers/process-records.js';
import type { PositionedEvent } from '../store/event-store.js';
import { InMemoryEventStore } from '../store/in-memory-event-store.js';
import { describeEvent, diffEvents } from './event-diff.js';
import { ManualClock } from './manual-clock.js';

/** An input of the spec: an event from the process manager's sources, or one delivered to a given instance. */
interface SpecInput {
  readonly event: object;
  /** Set: the event is delivered to this instance as its own (a scheduled event, a CommandRejected). */
  readonly processId?: string;
}

/** What the `when` event made the process manager decide. */
interface Outcome {
  readonly sends: readonly object[];
  readonly schedules: readonly { message: object; at: number }[];
  readonly completed: boolean;
  readonly now: number;
}

/** The spec clock's time: `afterMs` timers are due `afterMs` after this. */
const SPEC_NOW = Date.UTC(2030, 0, 1);

/**
 * Given/when/then for a process manager: the `given` events are handled by the real engine (on an
 * in-memory store, commands recorded rather than sent), then `when`'s event; `thenSends`,
 * `thenSchedules` and `thenCompletes` check what that last event decided and reject with a
 * readable diff. `create` builds the instance (default `new ProcessManagerClass()`), for classes
 * that take services.
 */
export function processSpec<P extends ProcessManagerRoot>(type: Class<P>, create?: () => P): ProcessSpecGiven {
  return new ProcessSpecGiven(type, create ?? (() => new type()), []);
}

export class ProcessSpecGiven {
  constructor(
    private readonly type: Class<ProcessManagerRoot>,
    private readonly create: () => ProcessManagerRoot,
    private readonly history: readonly SpecInput[],
  ) {}

  /** Events already handled, oldest first, each routed by its handler's `processId`. */
  given(...events: object[]): ProcessSpecGiven {
    return new ProcessSpecGiven(this.type, this.create, [...this.history, ...events.map((event) => ({ event }))]);
  }

  /** Events delivered to instance `processId` as its own (scheduled events, `CommandRejected`). */
  givenFor(processId: string, ...events: object[]): ProcessSpecGiven {
    return new ProcessSpecGiven(this.type, this.create, [
      ...this.history,
      ...events.map((event) => ({ event, processId })),
    ]);
  }

  /** The event under test; `{ processId }` delivers it to that instance as its own (a timer's event, a rejection). */
  when(event: object, options: { processId?: string } = {}): ProcessSpecWhen {
    return new ProcessSpecWhen(
      this.type,
      this.create,
      this.history,
      options.processId === undefined ? { event } : { event, processId: options.processId },
    );
  }
}

export class ProcessSpecWhen {
  constructor(
    private readonly type: Class<ProcessManagerRoot>,
    private readonly create: () => ProcessManagerRoot,
    private readonly history: readonly SpecInput[],
    private readonly input: SpecInput,
  ) {}

  /** Resolves when the event made it send exactly these commands (same classes, same fields, same order). */
  async thenSends(...expected: object[]): Promise<void> {
    const outcome = await this.#outcome();
    const lines = diffEvents(expected, outcome.sends);
    if (lines.length === 0) return;
    throw this.#failure(
      list(expected),
      list(outcome.sends),
      `the sent commands differ (expected ${expected.length}, got ${outcome.sends.length}):\n${lines.join('\n')}`,
    );
  }

  /**
   * Resolves when the event scheduled exactly these messages, in order; an item may be
   * `{ message, afterMs }` (or `{ message, at }`) to check when it is due too.
   */
  async thenSchedules(...expected: (object | { message: object; afterMs?: number; at?: Date })[]): Promise<void> {
    const outcome = await this.#outcome();
    const wanted = expected.map((item) => (isTimed(item) ? item : { message: item }));
    const lines = diffEvents(
      wanted.map((item) => item.message),
      outcome.schedules.map((item) => item.message),
    );
    wanted.forEach((item, index) => {
      const got = outcome.schedules[index];
      if (!got) return;
      const at = item.at?.getTime() ?? (item.afterMs === undefined ? undefined : outcome.now + item.afterMs);
      if (at !== undefined && at !== got.at) {
        lines.push(`  #${index} is due ${got.at - outcome.now} ms after the event, expected ${at - outcome.now} ms`);
      }
    });
    if (lines.length === 0) return;
    throw this.#failure(
      list(wanted.map((item) => item.message)),
      list(outcome.schedules.map((item) => item.message)),
      `the scheduled messages differ (expected ${wanted.length}, got ${outcome.schedules.length}):\n${lines.join('\n')}`,
    );
  }

  /** Resolves when the event completed its instance. */
  async thenCompletes(): Promise<void> {
    const outcome = await this.#outcome();
    if (!outcome.completed)
      throw this.#failure('completed', 'still running', 'expected the instance to complete, it did not');
  }

  async #outcome(): Promise<Outcome> {
    const store = new InMemoryEventStore();
    const clock = new ManualClock(SPEC_NOW);
    const sends: object[] = [];
    const codec = new CommandCodec([], true);
    const engine = new ProcessManagerEngine(this.create(), {
      store,
      clock,
      codec,
      commands: { execute: async (command) => void sends.push(command) },
    });
    let position = 0n;
    const deliver = async (input: SpecInput): Promise<PositionedEvent> => {
      position += 1n;
      const type = eventTypeOf(input.event);
      if (type === undefined)
        throw new TypeError(`processSpec: ${describeEvent(input.event)} is not an @EventType instance`);
      const handler = engine.definition.handlers.get(type);
      if (!handler)
        throw new TypeError(`processSpec: no @On method of ${this.type.name} handles ${input.event.constructor.name}`);
      if (input.processId === undefined && !handler.processId) {
        throw new TypeError(
          `processSpec: ${handler.name} has no processId: ${input.event.constructor.name} reaches an instance only as its own; ` +
            `name it with when(event, { processId }) or givenFor(processId, event)`,
        );
      }
      const recorded: PositionedEvent = {
        id: randomUUID(),
        streamName: input.processId === undefined ? `processSpec-${position}` : engine.streamNameOf(input.processId),
        revision: 0n,
        type,
        data: {},
        metadata: {},
        createdAt: new Date(clock.now()),
        position: { commit: position, prepare: position },
      };
      await engine.handle(input.event, recorded);
      return recorded;
    };
    try {
      for (const input of this.history) await deliver(input);
      sends.length = 0;
      const recorded = await deliver(this.input);
      return await this.#decided(store, codec, recorded, sends, clock.now());
    } catch (error) {
      const described = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
      throw this.#failure('a handled event', `threw ${described}`, `it threw ${described}`, error);
    }
  }

  async #decided(
    store: InMemoryEventStore,
    codec: CommandCodec,
    recorded: PositionedEvent,
    sends: object[],
    now: number,
  ): Promise<Outcome> {
    let record: HandledRecord | undefined;
    // The timers this record added: those of earlier records were already pending.
    const earlier = new Set<string>();
    for await (const event of store.readAll()) {
      if (event.type !== HANDLED_EVENT_TYPE) continue;
      const data = event.data as HandledRecord;
      if (data.input.id === recorded.id) record = data;
      else for (const timer of data.timers) earlier.add(timer.id);
    }
    if (!record) return { sends, schedules: [], completed: false, now };
    const schedules = record.timers
      .filter((timer) => !earlier.has(timer.id))
      .map((timer) => ({
        message:
          timer.kind === 'event'
            ? rebuildEvent({ type: timer.type, data: timer.data })
            : codec.decode('processSpec', timer.type, timer.data),
        at: timer.at,
      }));
    return { sends, schedules, completed: record.completed, now };
  }

  #failure(expected: string, actual: string, diff: string, cause?: unknown): ProcessSpecFailedError {
    const event = this.input.event.constructor?.name ?? 'event';
    if (cause instanceof ProcessSpecFailedError) return cause;
    return new ProcessSpecFailedError(
      this.type.name,
      event,
      expected,
      actual,
      diff,
      cause === undefined ? {} : { cause },
    );
  }
}

function list(items: readonly object[]): string {
  return items.map(describeEvent).join(', ') || 'nothing';
}

function isTimed(item: object): item is { message: object; afterMs?: number; at?: Date } {
  return (
    'message' in item && typeof (item as { message: unknown }).message === 'object' && eventTypeOf(item) === undefined
  );
}
