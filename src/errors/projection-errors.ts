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
