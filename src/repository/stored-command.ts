import { CommandOutsideWindowError } from '../errors/command-errors.js';
import { COMMAND_WINDOW } from '../aggregate/command-window.js';
import { deserializeEvent } from '../events/event-serializer.js';
import type { RecordedEvent } from '../store/event-store.js';
import { writtenBy } from './command-stamp.js';

/** Events a command already stored, found while replaying its stream. */
export interface StoredCommandEvents {
  readonly events: readonly object[];
  /** Revision of the last of them. */
  readonly lastRevision: bigint;
}

/** `COMMAND_WINDOW` as a bigint. */
const WINDOW = BigInt(COMMAND_WINDOW);

/**
 * Watches a full replay for the events of one command (by their `commandId` metadata), so a re-send
 * is answered from what it stored, within the exactly-once window: the repository's replaying load
 * and `execute()` both use it, so both answer and refuse re-sends alike.
 */
export class StoredCommandFinder {
  #found: RecordedEvent[] | undefined;

  constructor(readonly commandId: string) {}

  /** Called with every event the replay reads, in stream order. */
  see(recorded: RecordedEvent): void {
    if (writtenBy(recorded, this.commandId)) (this.#found ??= []).push(recorded);
  }

  /**
   * After the replay read up to `lastRevision`: the command's stored events (fresh instances, never
   * the ones the appliers were given), undefined when it stored none, or `CommandOutsideWindowError`
   * when its first event is more than `COMMAND_WINDOW` events before the end.
   */
  stored(streamName: string, lastRevision: bigint): StoredCommandEvents | undefined {
    const found = this.#found;
    if (!found) return undefined;
    const firstRevision = found[0]!.revision;
    if (firstRevision <= lastRevision - WINDOW) {
      throw new CommandOutsideWindowError(this.commandId, streamName, firstRevision, lastRevision, COMMAND_WINDOW);
    }
    return { events: found.map((recorded) => deserializeEvent(recorded)), lastRevision: found.at(-1)!.revision };
  }
}
