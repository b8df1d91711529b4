import { ForwardingEventStore } from '../../src/testing/forwarding-event-store.js';
import type {
  AppendOptions,
  AppendResult,
  EventData,
  EventStore,
  PositionedEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from 'mneme';

export class Killed extends Error {
  constructor() {
    super('the process was killed');
  }
}

/**
 * A store through which the process "dies" at its `killAt`-th append: `before` it reaches the
 * store, or `after` the store took it (the caller never hears back). From then on every call of
 * the dead process fails: appends, reads, subscriptions.
 */
export class CrashingStore extends ForwardingEventStore {
  appends = 0;
  dead = false;
  /** What the dying append was, for failure messages. */
  killedAt: string | undefined;

  constructor(
    inner: EventStore,
    readonly killAt: number,
    readonly when: 'before' | 'after',
  ) {
    super(inner);
  }

  override async appendToStream(
    streamName: string,
    events: EventData[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    this.#check();
    const n = ++this.appends;
    if (n === this.killAt && this.when === 'before') this.#die(streamName, events);
    const result = await this.inner.appendToStream(streamName, events, options);
    if (n === this.killAt && this.when === 'after') this.#die(streamName, events);
    this.#check();
    return result;
  }

  override readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    return this.#guard(() => this.inner.readStream(streamName, options));
  }

  override readAll(options?: ReadAllOptions): AsyncIterable<PositionedEvent> {
    return this.#guard(() => this.inner.readAll(options));
  }

  override subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<PositionedEvent> {
    return this.#guard(() => this.inner.subscribeToAll(options));
  }

  #guard<T>(open: () => AsyncIterable<T>): AsyncIterable<T> {
    const check = () => this.#check();
    return (async function* () {
      check();
      for await (const item of open()) {
        check();
        yield item;
      }
    })();
  }

  #die(streamName: string, events: EventData[]): never {
    this.dead = true;
    this.killedAt = `${this.when} append #${this.appends} to ${streamName} (${events.map((event) => event.type).join(', ')})`;
    throw new Killed();
  }

  #check(): void {
    if (this.dead) throw new Killed();
  }
}
