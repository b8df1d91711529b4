import { ForwardingEventStore } from '../../src/testing/forwarding-event-store.js';
import type {
  AppendOptions,
  AppendResult,
  AppendToStreamsOptions,
  AppendToStreamsResult,
  EventData,
  EventStore,
  PositionedEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppendRequest,
  SubscribeToAllOptions,
} from 'mneme';

export class Killed extends Error {
  constructor() {
    super('the process was killed');
  }
}

/** What one stored event is, for a point's name: a process record also says which input it handled and what it sends. */
function describeEvent(event: EventData): string {
  if (event.type !== 'mneme.ProcessHandled') return event.type;
  const record = event.data as { input: { type: string }; commands: { type: string }[] };
  const sends = record.commands.map((command) => command.type).join(', ');
  return `mneme.ProcessHandled of ${record.input.type}${sends ? ` sending ${sends}` : ''}`;
}

/** The stream's category: the ids differ between runs, the roles do not. */
const categoryOf = (streamName: string) => `${streamName.split('-')[0]}-*`;

/**
 * A store through which the process "dies" at one append point: `before` the append reaches the
 * store, or `after` the store took it (the caller never hears back). From then on every call of
 * the dead process fails: appends, reads, subscriptions.
 *
 * A point is named by what is appended (event types, stream category) and which such append it is
 * (`#2`: the second distinct one), never by its place among all appends: concurrent writers (the
 * timers, the input handling) interleave differently from run to run, so the n-th append of one run
 * is another append in the next. A retry of an append (the same event id after a conflict) is the
 * same point: `before` dies at its first attempt, `after` at the first attempt the store took.
 */
export class CrashingStore extends ForwardingEventStore {
  dead = false;
  /** The point the process died at. */
  killedAt: string | undefined;
  /** Every point this process reached, in the order it reached them. */
  readonly reached: string[] = [];
  readonly #pointById = new Map<string, string>();
  readonly #countByLabel = new Map<string, number>();

  /** `killAt` undefined: a process that never dies, to learn which points a run reaches. */
  constructor(
    inner: EventStore,
    readonly killAt: string | undefined,
    readonly when: 'before' | 'after',
  ) {
    super(inner);
    const { appendToStreams, setStreamMaxCount } = this;
    if (setStreamMaxCount) {
      this.setStreamMaxCount = async (streamName: string, maxCount: number) => {
        this.#check();
        return setStreamMaxCount(streamName, maxCount);
      };
    }
    if (appendToStreams) {
      this.appendToStreams = (requests: StreamAppendRequest[], options?: AppendToStreamsOptions) =>
        this.#append(
          requests.map(
            (request) => `${request.events.map(describeEvent).join(', ')} to ${categoryOf(request.streamName)}`,
          ),
          requests[0]?.events[0]?.id,
          () => appendToStreams(requests, options),
        ) as Promise<AppendToStreamsResult>;
    }
  }

  override appendToStream(streamName: string, events: EventData[], options?: AppendOptions): Promise<AppendResult> {
    return this.#append([`${events.map(describeEvent).join(', ')} to ${categoryOf(streamName)}`], events[0]?.id, () =>
      this.inner.appendToStream(streamName, events, options),
    ) as Promise<AppendResult>;
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

  async #append(parts: string[], eventId: string | undefined, append: () => Promise<unknown>): Promise<unknown> {
    this.#check();
    const point = this.#pointOf(parts.join(' + '), eventId);
    if (point === this.killAt && this.when === 'before') this.#die(point);
    const result = await append(); // a conflict throws here: `after` waits for the retry the store takes
    if (point === this.killAt && this.when === 'after') this.#die(point);
    this.#check();
    return result;
  }

  /** The same point for every attempt of one append (its first event's id); a new one, numbered by its label, otherwise. */
  #pointOf(label: string, eventId: string | undefined): string {
    const known = eventId === undefined ? undefined : this.#pointById.get(eventId);
    if (known) return known;
    const n = (this.#countByLabel.get(label) ?? 0) + 1;
    this.#countByLabel.set(label, n);
    const point = `${label} #${n}`;
    if (eventId !== undefined) this.#pointById.set(eventId, point);
    this.reached.push(point);
    return point;
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

  #die(point: string): never {
    this.dead = true;
    this.killedAt = `${this.when} ${point}`;
    throw new Killed();
  }

  #check(): void {
    if (this.dead) throw new Killed();
  }
}
