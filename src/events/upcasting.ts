import { getEventTypeMetadata, getUpcasters, type Upcaster } from '../../decorators/index.js';
import { EventDeserializationError } from '../errors/event-errors.js';
import type { RecordedEvent } from '../store/event-store.js';
import { safeJsonCopy } from './json-data.js';

/** Metadata key holding the schema version an event was written with; absent means version 1. */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

interface UpcastPlan {
  readonly version: number;
  /** steps[v - 1] upgrades version v to v + 1. */
  readonly steps: readonly Upcaster[];
}

const plans = new WeakMap<Function, UpcastPlan>();

/** Compiled once per class, so the per-event path reads no decorator metadata. */
function planFor(eventClass: Function): UpcastPlan {
  let plan = plans.get(eventClass);
  if (!plan) {
    const version = getEventTypeMetadata(eventClass)?.version ?? 1;
    plan = { version, steps: getUpcasters(eventClass, version) };
    plans.set(eventClass, plan);
  }
  return plan;
}

/** The current schema version of an event class (1 unless `@EventType(name, { version })` says otherwise). */
export function schemaVersionOf(eventClass: Function): number {
  return planFor(eventClass).version;
}

/**
 * The stored event's data brought up to its class's current schema version, through the class's
 * @Upcast chain (plain JSON in, plain JSON out). Throws `EventDeserializationError` when an
 * upcaster fails or the stored version is one the class does not know.
 */
export function upcastData(eventClass: Function, recorded: RecordedEvent): unknown {
  const plan = planFor(eventClass);
  const declared = recorded.metadata?.[SCHEMA_VERSION_KEY];
  const stored = declared ?? 1;
  if (stored === plan.version) return recorded.data;
  const fail = (reason: string, cause?: unknown) =>
    new EventDeserializationError(recorded.streamName, recorded.revision, recorded.type, reason, cause === undefined ? {} : { cause });
  if (typeof stored !== 'number' || !Number.isSafeInteger(stored) || stored < 1) {
    throw fail(`its metadata.${SCHEMA_VERSION_KEY} is ${JSON.stringify(declared)}, not a positive integer`);
  }
  if (stored > plan.version) {
    throw fail(
      `it was written with schema version ${stored}, newer than ${eventClass.name}'s version ${plan.version}: ` +
        `run the code that declares version ${stored}`,
    );
  }
  // Upcasters may change what they are given: never the stored (possibly frozen, shared) data.
  let data: unknown = safeJsonCopy(recorded.data);
  for (let from = stored; from < plan.version; from++) {
    try {
      data = plan.steps[from - 1]!(data);
    } catch (error) {
      throw fail(`${eventClass.name}'s upcaster from schema version ${from} threw: ${error instanceof Error ? error.message : String(error)}`, error);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw fail(`${eventClass.name}'s upcaster from schema version ${from} returned ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}, not a plain object`);
    }
  }
  return data;
}
