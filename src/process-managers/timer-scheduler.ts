import type { Logger } from '../logging/logger.js';
import type { EventStore } from '../store/event-store.js';
import type { GlobalPosition } from '../store/global-position.js';
import type { Clock } from './clock.js';
import {
  HANDLED_EVENT_TYPE,
  TIMER_FIRED_EVENT_TYPE,
  type HandledRecord,
  type RecordedTimer,
} from './process-records.js';

export interface TimerSchedulerConfig {
  readonly processManager: string;
  readonly streamPrefix: string;
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pollMs: number;
  /** Appends the timer's ProcessTimerFired once (false if it fired, was cancelled or its instance completed). */
  fire(streamName: string, timerId: string): Promise<boolean>;
}

/**
 * Knows every pending timer of one process manager, from the latest record of each instance
 * stream (read from the log: at start from the beginning of the process manager's category, then
 * what was appended since), and fires the due ones every `pollMs`. Firing is an append with the
 * expected revision, so when several app instances poll, one of them fires a timer and the others
 * find it fired.
 */
export class TimerScheduler {
  /** Stream -> its pending timers (the latest record's). */
  readonly #pending = new Map<string, readonly RecordedTimer[]>();
  /** Stream -> timers seen fired whose handling is not yet recorded. */
  readonly #fired = new Map<string, Set<string>>();
  #position: GlobalPosition | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;
  #running = false;
  #ticking: Promise<void> = Promise.resolve();

  constructor(private readonly config: TimerSchedulerConfig) {}

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.tick();
    this.#interval = setInterval(() => void this.tick(), this.config.pollMs);
    this.#interval.unref?.();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#interval);
    await this.#ticking;
  }

  /** Reads what was recorded since the last tick and fires what is due; ticks never overlap, failures are logged and retried at the next. */
  tick(): Promise<void> {
    this.#ticking = this.#ticking
      .then(() => this.#tick())
      .catch((error: unknown) => {
        this.config.logger.warn('process manager timers: a poll failed; retrying at the next', {
          processManager: this.config.processManager,
          error: error instanceof Error ? error.message : String(error),
        });
      });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    if (!this.#running) return;
    const { store, streamPrefix, clock } = this.config;
    for await (const recorded of store.readAll({
      fromPosition: this.#position,
      filter: { streamNamePrefixes: [streamPrefix] },
    })) {
      this.#position = recorded.position;
      if (recorded.type === HANDLED_EVENT_TYPE) {
        const record = recorded.data as HandledRecord;
        if (record.completed || record.timers.length === 0) {
          this.#pending.delete(recorded.streamName);
          this.#fired.delete(recorded.streamName);
        } else {
          this.#pending.set(recorded.streamName, record.timers);
          const fired = this.#fired.get(recorded.streamName);
          if (fired) for (const id of fired) if (!record.timers.some((timer) => timer.id === id)) fired.delete(id);
        }
      } else if (recorded.type === TIMER_FIRED_EVENT_TYPE) {
        this.#firedIn(recorded.streamName).add(String((recorded.data as { timerId?: unknown }).timerId));
      }
    }
    const now = clock.now();
    for (const [streamName, timers] of this.#pending) {
      for (const timer of timers) {
        if (!this.#running) return;
        if (timer.at > now || this.#firedIn(streamName).has(timer.id)) continue;
        await this.config.fire(streamName, timer.id);
        this.#firedIn(streamName).add(timer.id);
      }
    }
  }

  #firedIn(streamName: string): Set<string> {
    let fired = this.#fired.get(streamName);
    if (!fired) this.#fired.set(streamName, (fired = new Set()));
    return fired;
  }
}
