import { InvalidCheckpointError } from '../errors/projection-errors.js';
import { EventStore } from '../store/event-store.js';
import { positionFromJSON, positionToJSON, type GlobalPosition } from '../store/global-position.js';

/**
 * Where projections keep their checkpoints: the position of the last event each one handled. Also
 * the DI token: bind your own (a table next to the read model, updated in its transaction) to
 * replace the default, which keeps them in the event store.
 */
export abstract class CheckpointStore {
  /** The saved position, or undefined when the projection never saved one (it starts from the beginning). */
  abstract load(projection: string): Promise<GlobalPosition | undefined>;
  abstract save(projection: string, position: GlobalPosition): Promise<void>;
}

/** Stream category of the default checkpoints: outside users' categories, which are `@Aggregate` names. */
export const CHECKPOINT_STREAM_PREFIX = 'mneme_checkpoint-';
export const CHECKPOINT_EVENT_TYPE = 'mneme.checkpoint';
/** Checkpoint events kept per stream where the store can truncate (KurrentDB's `$maxCount`). */
const KEEP = 5;

/** A store that can cap a stream's length (KurrentEventStore does, through `$maxCount` metadata). */
interface StreamTruncation {
  setStreamMaxCount(streamName: string, maxCount: number): Promise<void>;
}

function canTruncate(store: EventStore): store is EventStore & StreamTruncation {
  return typeof (store as Partial<StreamTruncation>).setStreamMaxCount === 'function';
}

/** The default: one stream per projection, `mneme_checkpoint-<name>`, its last event the checkpoint. */
export class EventStoreCheckpointStore extends CheckpointStore {
  readonly #capped = new Set<string>();

  constructor(readonly eventStore: EventStore) {
    super();
  }

  streamName(projection: string): string {
    return `${CHECKPOINT_STREAM_PREFIX}${projection}`;
  }

  async load(projection: string): Promise<GlobalPosition | undefined> {
    const streamName = this.streamName(projection);
    for await (const recorded of this.eventStore.readStream(streamName, { direction: 'backwards', maxCount: 1 })) {
      const position = positionFromJSON((recorded.data as { position?: unknown } | null)?.position);
      if (!position)
        throw new InvalidCheckpointError(projection, `stream '${streamName}' (revision ${recorded.revision})`);
      return position;
    }
    return undefined;
  }

  async save(projection: string, position: GlobalPosition): Promise<void> {
    const streamName = this.streamName(projection);
    if (!this.#capped.has(streamName) && canTruncate(this.eventStore)) {
      await this.eventStore.setStreamMaxCount(streamName, KEEP);
      this.#capped.add(streamName);
    }
    await this.eventStore.appendToStream(streamName, [
      { type: CHECKPOINT_EVENT_TYPE, data: { position: positionToJSON(position) } },
    ]);
  }
}

/**
 * Checkpoints in process memory: for read models that live in memory too, which are rebuilt from
 * the start at every launch (a durable checkpoint would make them skip what they lost).
 */
export class InMemoryCheckpointStore extends CheckpointStore {
  readonly #positions = new Map<string, GlobalPosition>();

  async load(projection: string): Promise<GlobalPosition | undefined> {
    return this.#positions.get(projection);
  }

  async save(projection: string, position: GlobalPosition): Promise<void> {
    this.#positions.set(projection, position);
  }
}
