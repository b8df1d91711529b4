import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError } from './mneme-error.js';

/** A stored event's type name is not registered by any `@EventType` class. */
export class UnknownEventTypeError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_UNKNOWN_EVENT_TYPE';

  constructor(
    readonly streamName: string,
    readonly revision: bigint,
    readonly eventType: string,
  ) {
    super(
      `Stream '${streamName}' holds an event of type '${eventType}' at revision ${revision}, but no class ` +
        `is registered for it. Import the module that declares @EventType('${eventType}') before loading, ` +
        `or register an upcaster for the old name.`,
    );
  }
}

/**
 * A handler produced something that cannot be stored as an event. Nothing was applied and nothing
 * was written.
 */
export class InvalidEventError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_EVENT';

  constructor(
    readonly reason: string,
    readonly eventType?: string,
    options: { cause?: unknown; message?: string } = {},
  ) {
    super(
      options.message ??
        `Invalid event${eventType ? ` '${eventType}'` : ''}: ${reason}. Return or raise instances of ` +
          `@EventType classes whose fields JSON can hold (no BigInt, no cycles, no functions).`,
      options,
    );
  }
}

/** Two different classes claim one stored event type name. */
export class DuplicateEventTypeError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_DUPLICATE_EVENT_TYPE';

  constructor(
    readonly eventType: string,
    readonly existingClass: string,
    readonly newClass: string,
  ) {
    super(
      `@EventType('${eventType}') is declared by both ${existingClass} and ${newClass}. Stored type names ` +
        `must be unique: give one of them another name.`,
    );
  }
}

/**
 * A stored event cannot be turned back into its `@EventType` class: its data is not a JSON object,
 * a field holds what the class's `@Type` cannot convert, the class's constructor fails, an upcaster
 * threw or returned nothing usable, or its schema version is unknown to the code. Nothing was applied.
 */
export class EventDeserializationError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_EVENT_DESERIALIZATION';

  constructor(
    readonly streamName: string,
    readonly revision: bigint,
    readonly eventType: string,
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `Cannot read the event at revision ${revision} of stream '${streamName}' (type '${eventType}'): ${reason}. ` +
        `It was written by another producer or another version of the class: make the class accept it (@Type, ` +
        `constructor parameters with defaults, an @Upcast step), or correct the stream; the stored event is left as it is.`,
      options,
    );
  }
}
