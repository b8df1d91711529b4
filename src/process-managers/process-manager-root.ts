import { InvalidProcessManagerError } from '../errors/process-manager-errors.js';

/** Per-send options: metadata added to every event the command appends (its ids are derived, not chosen). */
export interface SendOptions {
  metadata?: Record<string, unknown>;
}

/** When a scheduled message is due: after a delay from now (the process manager's clock), or at a time. */
export type ScheduleAt = { readonly afterMs: number } | { readonly at: Date };

/** What one handler call decided; the engine records it in the instance's stream. */
export interface Decisions {
  readonly sends: { command: object; options: SendOptions | undefined }[];
  readonly schedules: { message: object; at: number }[];
  completed: boolean;
}

interface HandlerScope {
  readonly decisions: Decisions;
  readonly now: number;
  readonly processManager: string;
}

const SCOPE = Symbol('mneme:process-scope');

/**
 * Base class of process managers. State is plain fields (JSON data: numbers, strings, booleans,
 * arrays, plain objects), rebuilt for each instance from its stream; fields that hold class
 * instances (injected services) are shared by every instance and never recorded. Inside an `@On`
 * handler, `send`, `schedule` and `complete` record decisions, which take effect only once the
 * handling is stored.
 */
export abstract class ProcessManagerRoot {
  /** Sends `command` through the CommandBus once this handling is recorded (exactly once, in order). */
  protected send(command: object, options?: SendOptions): void {
    const scope = scopeOf(this, 'send');
    if (typeof command !== 'object' || command === null) {
      throw new InvalidProcessManagerError(
        scope.processManager,
        `send() takes a command instance, got ${String(command)}`,
      );
    }
    scope.decisions.sends.push({ command, options });
  }

  /**
   * Schedules a command (sent through the bus) or an event (delivered to this instance's own @On
   * handler) for later: `{ afterMs }` from now, or `{ at }`. Fires once, at or after that time.
   */
  protected schedule(message: object, when: ScheduleAt): void {
    const scope = scopeOf(this, 'schedule');
    if (typeof message !== 'object' || message === null) {
      throw new InvalidProcessManagerError(
        scope.processManager,
        `schedule() takes a command or an event instance, got ${String(message)}`,
      );
    }
    let at: number;
    if (typeof when === 'object' && when !== null && 'afterMs' in when) {
      if (typeof when.afterMs !== 'number' || !Number.isFinite(when.afterMs) || when.afterMs < 0) {
        throw new InvalidProcessManagerError(
          scope.processManager,
          `schedule(message, { afterMs }) needs a finite number >= 0, got ${String(when.afterMs)}`,
        );
      }
      at = scope.now + when.afterMs;
    } else if (
      typeof when === 'object' &&
      when !== null &&
      'at' in when &&
      when.at instanceof Date &&
      !Number.isNaN(when.at.getTime())
    ) {
      at = when.at.getTime();
    } else {
      throw new InvalidProcessManagerError(
        scope.processManager,
        'schedule(message, when) needs { afterMs: number } or { at: Date }',
      );
    }
    scope.decisions.schedules.push({ message, at });
  }

  /** Ends this instance: its pending timers are cancelled and later events for it are ignored. */
  protected complete(): void {
    scopeOf(this, 'complete').decisions.completed = true;
  }
}

function scopeOf(instance: ProcessManagerRoot, method: string): HandlerScope {
  const scope = (instance as unknown as Record<symbol, HandlerScope | undefined>)[SCOPE];
  if (!scope) {
    throw new InvalidProcessManagerError(
      instance.constructor.name,
      `${method}() is for @On handlers, called while they handle an event`,
    );
  }
  return scope;
}

/** Gives a per-instance object the scope its handler's send/schedule/complete write into. */
export function enterScope(instance: object, processManager: string, now: number): Decisions {
  const decisions: Decisions = { sends: [], schedules: [], completed: false };
  Object.defineProperty(instance, SCOPE, {
    value: { decisions, now, processManager },
    configurable: true,
    enumerable: false,
  });
  return decisions;
}

export function leaveScope(instance: object): void {
  delete (instance as Record<symbol, unknown>)[SCOPE];
}
