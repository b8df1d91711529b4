import { EventType, getEventClass } from '../../decorators/index.js';

/**
 * Appended to a process instance's stream when a command it sent was rejected by the aggregate
 * (a `DomainError`, or the aggregate was missing or already existed): delivered to the instance's
 * own `@On(CommandRejected)` handler, if it has one, to compensate. Never written twice for one command.
 */
export class CommandRejected {
  constructor(
    /** The rejected command's class name. */
    readonly commandType: string,
    /** Its derived command id. */
    readonly commandId: string,
    /** The error's `code` (a DomainError's own code, or MNEME_AGGREGATE_NOT_FOUND...). */
    readonly code: string,
    readonly message: string,
    /** The command's fields, as sent. */
    readonly command: Record<string, unknown>,
  ) {}
}

/** Appended to a process instance's stream when one of its timers is due: the input its handling records. */
export class ProcessTimerFired {
  constructor(readonly timerId: string) {}
}

// Registered unless another copy of Mneme in this process did it first (the registry is shared).
for (const [name, type] of [
  ['mneme.CommandRejected', CommandRejected],
  ['mneme.ProcessTimerFired', ProcessTimerFired],
] as const) {
  if (!getEventClass(name)) EventType(name)(type);
}
