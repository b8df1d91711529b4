import 'reflect-metadata';
import { Container } from 'inversify';
import type { AggregateClass, Class } from '../../decorators/index.js';
import type { AggregateRoot } from '../aggregate/aggregate-root.js';
import { CommandBus } from '../commands/command-bus.js';
import { CommandRouter } from '../commands/command-router.js';
import type { EventsOf, KnownCommand } from '../commands/command-types.js';
import { mnemeModule } from '../container/mneme-module.js';
import { AggregateSpecFailedError } from '../errors/testing-errors.js';
import { serializeEvent } from '../events/event-serializer.js';
import { InMemoryEventStore } from '../store/in-memory-event-store.js';
import { describeEvent, diffEvents, diffFields } from './event-diff.js';

type Outcome = { events: readonly object[] } | { error: unknown };

/** One `when(...)`: whether a `then...` was called on it, and whether its promise was awaited. */
interface SpecRecord {
  readonly aggregate: string;
  readonly command: string;
  asserted: boolean;
  awaited: boolean;
}

/**
 * The specs of the running test, when the test framework has global hooks (Jest; Vitest with
 * `globals: true`): after each test, a spec never asserted or never awaited fails that test.
 * `undefined` between tests, and without hooks.
 */
let running: SpecRecord[] | undefined;

const hooks = globalThis as {
  beforeEach?: (fn: () => void) => void;
  afterEach?: (fn: () => void) => void;
  expect?: { getState?: () => { currentTestName?: string } };
};
/** Jest reports a hook declared inside a test as that test's failure (it does not throw): don't try. */
function insideATest(): boolean {
  try {
    return hooks.expect?.getState?.().currentTestName !== undefined;
  } catch {
    return false;
  }
}
if (typeof hooks.beforeEach === 'function' && typeof hooks.afterEach === 'function' && !insideATest()) {
  try {
    hooks.beforeEach(() => {
      running = [];
    });
    hooks.afterEach(() => {
      const records = running ?? [];
      running = undefined;
      checkSpecsOfTest(records);
    });
  } catch {
    // Imported where hooks can't be declared (inside a test): the specs go unchecked.
  }
}

function checkSpecsOfTest(records: readonly SpecRecord[]): void {
  const unasserted = records.find((record) => !record.asserted);
  if (unasserted) {
    throw new AggregateSpecFailedError(
      unasserted.aggregate,
      unasserted.command,
      'thenEmits(...) or thenThrows(...)',
      'no assertion',
      'the spec was never asserted: end it with `await ...when(command).thenEmits(...)` or `.thenThrows(...)`',
    );
  }
  const unawaited = records.find((record) => !record.awaited);
  if (unawaited) {
    throw new AggregateSpecFailedError(
      unawaited.aggregate,
      unawaited.command,
      'an awaited spec',
      'not awaited',
      'the spec was never awaited, so the test ended before it was checked: write `await aggregateSpec(...)...thenEmits(...)` ' +
        '(or return the promise from the test)',
    );
  }
}

/**
 * The spec's promise, noting when someone attaches to it (`await`, `.then`, `.catch`, Jest's
 * `expect(...).rejects`): `await` calls `then` on a promise of a subclass.
 */
class SpecPromise extends Promise<void> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  #record: SpecRecord | undefined;

  static track(inner: Promise<void>, record: SpecRecord, checkedAfterTest: boolean): SpecPromise {
    const promise = new SpecPromise((resolve, reject) => void inner.then(resolve, reject));
    promise.#record = record;
    // The hook reports a spec nobody awaited; its rejection must not also crash the process later.
    if (checkedAfterTest) void Promise.prototype.then.call(promise, undefined, () => undefined);
    return promise;
  }

  override then<R1 = void, R2 = never>(
    onfulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this.#record) this.#record.awaited = true;
    return super.then(onfulfilled, onrejected);
  }
}

/**
 * Given/when/then for a decorator aggregate: `given` events are stored in the aggregate's stream of
 * an in-memory store, `when` runs the command through a real command bus (its handler and appliers,
 * no retry), `thenEmits` / `thenThrows` check the outcome and reject with a readable diff.
 * No method is named `then`: a spec is never accidentally awaited.
 */
export function aggregateSpec<A extends AggregateRoot>(aggregate: AggregateClass<A>): AggregateSpecGiven {
  return new AggregateSpecGiven(aggregate, []);
}

export class AggregateSpecGiven {
  constructor(
    private readonly aggregate: AggregateClass<AggregateRoot>,
    private readonly history: readonly object[],
  ) {}

  /** Events already in the aggregate's stream, oldest first (instances of @EventType classes). */
  given(...events: object[]): AggregateSpecGiven {
    return new AggregateSpecGiven(this.aggregate, [...this.history, ...events]);
  }

  /**
   * The command under test; its aggregate id picks the stream the `given` events go to. Under Jest
   * (or Vitest with globals), a spec never ended by an awaited `thenEmits`/`thenThrows` fails its test.
   */
  when<C extends KnownCommand>(command: C): AggregateSpecWhen<C> {
    return new AggregateSpecWhen<C>(this.aggregate, this.history, command);
  }
}

/** `C` is the command's type: with a `CommandEventMap`, `thenEmits` takes only that command's events. */
export class AggregateSpecWhen<C extends object = object> {
  readonly #record: SpecRecord;
  readonly #checkedAfterTest: boolean;

  constructor(
    private readonly aggregate: AggregateClass<AggregateRoot>,
    private readonly history: readonly object[],
    private readonly command: C,
  ) {
    this.#record = {
      aggregate: aggregate.name,
      command: (command as { constructor?: { name?: string } })?.constructor?.name ?? typeof command,
      asserted: false,
      awaited: false,
    };
    this.#checkedAfterTest = running !== undefined;
    running?.push(this.#record);
  }

  /** Resolves when the command emitted exactly these events (same classes, same fields, same order). */
  thenEmits(...expected: EventsOf<C>[]): Promise<void> {
    this.#record.asserted = true;
    return SpecPromise.track(this.#emits(expected), this.#record, this.#checkedAfterTest);
  }

  /** Resolves when the command threw an `ErrorClass` (with these fields, when given) and emitted nothing. */
  thenThrows<E extends Error>(errorClass: Class<E>, fields: Partial<Record<keyof E, unknown>> = {}): Promise<void> {
    this.#record.asserted = true;
    return SpecPromise.track(this.#throws(errorClass, fields), this.#record, this.#checkedAfterTest);
  }

  async #emits(expected: readonly object[]): Promise<void> {
    const outcome = await this.#run();
    if ('error' in outcome) {
      throw this.#failure(
        expected.map(describeEvent).join(', ') || 'no events',
        `threw ${describeError(outcome.error)}`,
        `expected ${expected.length} event(s) but it threw ${describeError(outcome.error)}`,
        outcome.error,
      );
    }
    const lines = diffEvents(expected, outcome.events);
    if (lines.length === 0) return;
    throw this.#failure(
      expected.map(describeEvent).join(', ') || 'no events',
      outcome.events.map(describeEvent).join(', ') || 'no events',
      `the emitted events differ (expected ${expected.length}, got ${outcome.events.length}):\n${lines.join('\n')}`,
    );
  }

  async #throws<E extends Error>(errorClass: Class<E>, fields: Partial<Record<keyof E, unknown>>): Promise<void> {
    const outcome = await this.#run();
    const expected = `${errorClass.name}${Object.keys(fields).length ? ` ${JSON.stringify(fields, bigintSafe)}` : ''}`;
    if (!('error' in outcome)) {
      const emitted = outcome.events.map(describeEvent).join(', ') || 'no events';
      throw this.#failure(expected, emitted, `expected it to throw ${errorClass.name} but it emitted ${emitted}`);
    }
    if (!(outcome.error instanceof errorClass)) {
      throw this.#failure(
        expected,
        describeError(outcome.error),
        `expected ${errorClass.name} but it threw ${describeError(outcome.error)}`,
        outcome.error,
      );
    }
    const lines = diffFields(
      fields as Record<string, unknown>,
      outcome.error as unknown as Record<string, unknown>,
      true,
    );
    if (lines.length > 0) {
      throw this.#failure(
        expected,
        describeError(outcome.error),
        `${errorClass.name} was thrown with other fields:\n${lines.map((l) => `  ${l}`).join('\n')}`,
        outcome.error,
      );
    }
  }

  async #run(): Promise<Outcome> {
    const store = new InMemoryEventStore();
    const { streamName } = new CommandRouter([this.aggregate]).route(this.command);
    if (this.history.length > 0)
      await store.appendToStream(
        streamName,
        this.history.map((event) => serializeEvent(event)),
      );
    const container = new Container();
    container.load(mnemeModule({ aggregates: [this.aggregate], eventStore: store, retry: false }));
    try {
      const result = await container.get(CommandBus).execute(this.command);
      return { events: result.events };
    } catch (error) {
      return { error };
    }
  }

  #failure(expected: string, actual: string, diff: string, cause?: unknown): AggregateSpecFailedError {
    return new AggregateSpecFailedError(
      this.aggregate.name,
      this.command.constructor.name,
      expected,
      actual,
      diff,
      cause === undefined ? {} : { cause },
    );
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

function bigintSafe(_: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
