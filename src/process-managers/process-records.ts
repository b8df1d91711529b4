import type { RecordedEvent } from '../store/event-store.js';

/** The record of one handled input, appended to the instance's stream with what it decided. */
export const HANDLED_EVENT_TYPE = 'mneme.ProcessHandled';
export const TIMER_FIRED_EVENT_TYPE = 'mneme.ProcessTimerFired';
export const COMMAND_REJECTED_EVENT_TYPE = 'mneme.CommandRejected';

/** A command as recorded: its class name, fields, and the id the bus will know it by. */
export interface RecordedCommand {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly commandId: string;
  readonly metadata?: Record<string, unknown>;
}

/** A pending timer: a command to send or an event to deliver to the instance, due at `at` (ms since the epoch). */
export interface RecordedTimer {
  readonly id: string;
  readonly at: number;
  readonly kind: 'command' | 'event';
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export interface HandledRecord {
  readonly input: {
    readonly id: string;
    readonly type: string;
    readonly streamName: string;
    readonly revision: string;
  };
  /** The instance's state after the handling (its plain fields). */
  readonly state: Record<string, unknown>;
  readonly commands: readonly RecordedCommand[];
  /** Every timer still pending after the handling (earlier ones included). */
  readonly timers: readonly RecordedTimer[];
  readonly completed: boolean;
}

/** A process instance's stream, folded. */
export interface ProcessInstance {
  /** The revision of the stream's last event; -1n when it is empty. */
  readonly revision: bigint;
  readonly last: HandledRecord | undefined;
  /** Records by the id of the input they handled. */
  readonly byInput: ReadonlyMap<string, HandledRecord>;
  /** Timers that fired (their ProcessTimerFired is in the stream). */
  readonly fired: ReadonlySet<string>;
  /** Commands whose rejection is recorded. */
  readonly rejected: ReadonlySet<string>;
}

export function foldInstance(events: readonly RecordedEvent[]): ProcessInstance {
  let revision = -1n;
  let last: HandledRecord | undefined;
  const byInput = new Map<string, HandledRecord>();
  const fired = new Set<string>();
  const rejected = new Set<string>();
  for (const recorded of events) {
    revision = recorded.revision;
    const data = recorded.data as Record<string, unknown>;
    if (recorded.type === HANDLED_EVENT_TYPE) {
      last = data as unknown as HandledRecord;
      byInput.set(last.input.id, last);
    } else if (recorded.type === TIMER_FIRED_EVENT_TYPE) {
      fired.add(String(data['timerId']));
    } else if (recorded.type === COMMAND_REJECTED_EVENT_TYPE) {
      rejected.add(String(data['commandId']));
    }
  }
  return { revision, last, byInput, fired, rejected };
}
