import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/** A projection class cannot run as declared (no @Projection, a duplicate name, no @On...). Found before it starts. */
export class InvalidProjectionError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_PROJECTION';

  constructor(
    /** The projection's class name (or its name when the class has one). */
    readonly projection: string,
    readonly reason: string,
  ) {
    super(`Invalid projection ${projection}: ${reason}.`);
  }
}

/**
 * A projection's handler kept throwing on one event, every retry included: the projection stopped
 * there, its checkpoint just before the event, so that nothing is skipped. Fix the handler (or the
 * data it depends on) and start the runner again; the event is handled first. The handler's last
 * error is the `cause`.
 */
export class ProjectionFailedError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_PROJECTION_FAILED';

  constructor(
    readonly projection: string,
    readonly eventType: string,
    readonly streamName: string,
    readonly revision: bigint,
    /** The event's global position (the store's `GlobalPosition`; restated here: errors import nothing of ours). */
    readonly position: { readonly commit: bigint; readonly prepare: bigint },
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `Projection '${projection}' stopped: its handler for ${eventType} (stream '${streamName}', revision ${revision}) ` +
        `failed ${attempts} time${attempts === 1 ? '' : 's'}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `The event was not skipped: fix the handler or its dependencies and start the runner again to resume from it.`,
      { cause },
    );
  }
}

/** `catchUp()` was called while the runner was not running, or the runner was stopped while waiting. */
export class ProjectionRunnerNotRunningError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_PROJECTION_RUNNER_NOT_RUNNING';

  constructor(readonly reason: 'not-started' | 'stopped') {
    super(
      reason === 'not-started'
        ? 'The projection runner is not running: call start() before catchUp().'
        : 'The projection runner was stopped before its projections caught up: start() it again to go on.',
    );
  }
}

/** A projection's checkpoint could not be understood; the projection does not start rather than guess. */
export class InvalidCheckpointError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_CHECKPOINT';

  constructor(
    readonly projection: string,
    readonly location: string,
  ) {
    super(
      `The checkpoint of projection '${projection}' in ${location} is not a position Mneme wrote. ` +
        `Delete that checkpoint to rebuild the projection from the start, or restore a valid one.`,
    );
  }
}

/** What a projection was waiting for when its time ran out. */
export type ProjectionTimeoutOperation = 'handler' | 'checkpoint-save' | 'checkpoint-load';

/**
 * A projection handler, or a checkpoint store's `save` or `load`, did not settle within
 * `handlerTimeoutMs`. A handler's timeout counts as a failed attempt (retried, then the projection
 * stops on the event); a save's is a failed save (retried at the next one); a load's fails `start()`.
 * The call itself may still be running: nothing of it is waited for any more.
 */
export class ProjectionTimeoutError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_PROJECTION_TIMEOUT';

  constructor(
    readonly projection: string,
    readonly operation: ProjectionTimeoutOperation,
    readonly timeoutMs: number,
    /** The event being handled, for a handler's timeout. */
    readonly event?: { readonly eventType: string; readonly streamName: string; readonly revision: bigint },
  ) {
    const what =
      operation === 'handler'
        ? `its handler for ${event?.eventType} (stream '${event?.streamName}', revision ${event?.revision})`
        : `the checkpoint store's ${operation === 'checkpoint-save' ? 'save' : 'load'}`;
    super(
      `Projection '${projection}': ${what} did not settle within ${timeoutMs} ms. A call that never resolves or rejects ` +
        `(a lost connection, a forgotten await) is treated as a failure; raise handlerTimeoutMs if the work is legitimately this slow.`,
    );
  }
}

/**
 * A projection's checkpoint is ahead of the end of the global log: the event store was reset or
 * replaced while the checkpoint store kept its positions. Following from there would silently skip
 * every event written until the log grows past it, so the projection does not start.
 */
export class CheckpointAheadOfLogError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_CHECKPOINT_AHEAD_OF_LOG';

  constructor(
    readonly projection: string,
    /** The saved checkpoint (the store's `GlobalPosition`). */
    readonly checkpoint: { readonly commit: bigint; readonly prepare: bigint },
    /** The last record of the log; undefined when the log is empty. */
    readonly head: { readonly commit: bigint; readonly prepare: bigint } | undefined,
  ) {
    super(
      `The checkpoint of projection '${projection}' (commit ${checkpoint.commit}) is ahead of the event store's log ` +
        `(${head === undefined ? 'which is empty' : `whose last record is at commit ${head.commit}`}): the store was reset or replaced. ` +
        `Delete the checkpoint (and the read model) to rebuild the projection from the start, or point it at the store it was built from.`,
    );
  }
}

/**
 * A projection declared `mode: 'competing'` runs on a store without persistent subscriptions (the
 * consumer groups its app instances share). Found at `start()`, before anything is read or written.
 */
export class CompetingConsumersUnsupportedError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_COMPETING_CONSUMERS_UNSUPPORTED';

  constructor(
    readonly projection: string,
    /** The store's class name. */
    readonly store: string,
    /** What the store lacks. */
    readonly missing: 'persistentSubscriptions' = 'persistentSubscriptions',
  ) {
    super(
      `Projection '${projection}' is declared mode: 'competing', but the event store (${store}) has no ` +
        `persistentSubscriptions. Run it on a store with persistent subscriptions (InMemoryEventStore, ` +
        `KurrentEventStore), or declare it mode: 'catch-up'.`,
    );
  }
}

/** `parkedCount(name)` or `replayParked(name)` named a projection the runner does not run in competing mode. */
export class ProjectionNotCompetingError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_PROJECTION_NOT_COMPETING';

  constructor(
    readonly projection: string,
    /** `not-found`: the runner runs no projection of that name; `catch-up`: it runs it in catch-up mode, which parks nothing. */
    readonly reason: 'not-found' | 'catch-up',
  ) {
    super(
      reason === 'not-found'
        ? `The projection runner runs no projection named '${projection}': name one of those it was given.`
        : `Projection '${projection}' runs in catch-up mode, which parks nothing (a failing event stops it): ` +
            `declare it mode: 'competing' to share it through a group that parks.`,
    );
  }
}
