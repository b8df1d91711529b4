import { CommandOutsideWindowError } from '../errors/command-errors.js';
import { aggregateDefinition, streamNameFor } from '../aggregate/aggregate-definition.js';
import type { AggregateRoot } from '../aggregate/aggregate-root.js';
import { COMMAND_WINDOW } from '../aggregate/command-window.js';
import type { AggregateLoader } from './aggregate-loader.js';
import { writtenBy } from './command-stamp.js';
import type { LoadedForCommand } from './stored-command-events.js';

/** `COMMAND_WINDOW` as a bigint. */
const WINDOW = BigInt(COMMAND_WINDOW);

/**
 * A command's aggregate loaded from the store (no cache): the events of command `commandId` are
 * collected on the way, and answered when within the window (reported when further back).
 */
export async function loadReplaying<A extends AggregateRoot>(
  loader: AggregateLoader,
  type: new () => A,
  id: string,
  commandId: string,
): Promise<LoadedForCommand<A>> {
  let found: object[] | undefined;
  let firstRevision = -1n;
  let lastRevision = -1n;
  const aggregate = await loader.load(type, id, (recorded, event) => {
    if (!writtenBy(recorded, commandId)) return;
    if (!found) {
      found = [];
      firstRevision = recorded.revision;
    }
    found.push(event());
    lastRevision = recorded.revision;
  });
  if (!found) return { aggregate, stored: undefined };
  // The same window as the cache's: a command found further back is reported, not answered.
  if (firstRevision <= aggregate.revision - WINDOW) {
    const streamName = streamNameFor(aggregateDefinition(type), id);
    throw new CommandOutsideWindowError(commandId, streamName, firstRevision, aggregate.revision, COMMAND_WINDOW);
  }
  return { aggregate, stored: { events: found, lastRevision } };
}
