/** `$all` reads and subscriptions for KurrentEventStore: server-side filters, checkpoints in order. */
import type {
  AllStreamSubscription,
  Filter,
  KurrentDBClient,
  Position,
  RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { kurrentClient } from './kurrent-client.js';
import { EventStoreError } from '../errors/store-errors.js';
import { isSystemStream, matchesAllFilter } from '../store/all-filter.js';
import type { AllFilter, PositionedEvent, RecordedEvent, SubscribeToAllOptions } from '../store/event-store.js';

/** Events buffered per subscription before the client's stream is paused. */
const HIGH_WATER = 512;
const LOW_WATER = 128;

/**
 * The server-side filter for `filter`. Without one, system streams are left out by name on the
 * server; either way they are skipped again on this side (a `$` stream can hold any event type).
 */
export function kurrentFilter(filter: AllFilter | undefined, checkpointReached?: Filter['checkpointReached']): Filter {
  const callback = checkpointReached ? { checkpointReached } : {};
  if (!filter) return kurrentClient().streamNameFilter({ regex: '^[^$]', ...callback });
  if ('streamNamePrefixes' in filter)
    return kurrentClient().streamNameFilter({ prefixes: [...filter.streamNamePrefixes], ...callback });
  return kurrentClient().eventTypeFilter({ prefixes: [...filter.eventTypePrefixes], ...callback });
}

/** Whether an event from the server belongs in the result (the server's filter already agreed). */
export function isDeliverable(
  event: KurrentRecordedEvent | undefined,
  filter: AllFilter | undefined,
): event is KurrentRecordedEvent {
  return event !== undefined && !isSystemStream(event.streamId) && matchesAllFilter(filter, event.streamId, event.type);
}

type Item = { event: PositionedEvent } | { checkpoint: Position };

/**
 * A `$all` subscription as a pull iterator. Events and the server's checkpoints go through one
 * queue in the order the server sent them; the client's stream is paused while the queue is full.
 * `return()` ends the iteration at once, even while `next()` waits, and cancels the call.
 */
export function subscribeToAllOnKurrent(
  client: KurrentDBClient,
  options: SubscribeToAllOptions,
  toPositioned: (event: KurrentRecordedEvent) => PositionedEvent,
  mapError: (error: unknown) => Error,
): AsyncIterableIterator<PositionedEvent> {
  const queue: Item[] = [];
  let subscription: AllStreamSubscription | undefined;
  let paused = false;
  let failure: Error | undefined;
  let ended = false;
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = () => wake?.();

  const start = (): AllStreamSubscription => {
    const checkpointReached = async (_: AllStreamSubscription, position: Position) => {
      // The client calls this as it reads the checkpoint message: events before it may still sit in
      // the stream's buffer. Wait until they reached the queue, so the checkpoint stays behind them.
      if (subscription) await drained(subscription);
      queue.push({ checkpoint: position });
      notify();
    };
    const sub = client.subscribeToAll({
      fromPosition: options.fromPosition ?? kurrentClient().START,
      filter: kurrentFilter(options.filter, checkpointReached),
    });
    sub.on('data', (resolved: { event?: KurrentRecordedEvent }) => {
      if (!isDeliverable(resolved.event, options.filter)) return;
      queue.push({ event: toPositioned(resolved.event) });
      if (queue.length >= HIGH_WATER && !paused) {
        paused = true;
        sub.pause();
      }
      notify();
    });
    sub.on('error', (error: unknown) => {
      failure ??= mapError(error);
      notify();
    });
    sub.on('end', () => {
      ended = true;
      notify();
    });
    return sub;
  };

  /** Resolves once the stream's buffer is empty: every event read before now reached the queue. */
  const drained = (sub: AllStreamSubscription) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (sub.readableLength > 0 && !closed) return;
        sub.off('data', check);
        resolve();
      };
      sub.on('data', check); // runs after the queueing listener, which was added first
      check();
    });

  const close = () => {
    if (closed) return;
    closed = true;
    notify();
    if (subscription) subscription.unsubscribe().catch(() => undefined);
  };

  return {
    async next(): Promise<IteratorResult<PositionedEvent>> {
      subscription ??= closed ? undefined : start();
      while (!closed) {
        const item = queue.shift();
        if (item) {
          if (paused && queue.length <= LOW_WATER) {
            paused = false;
            subscription?.resume();
          }
          if ('checkpoint' in item) {
            await options.onCheckpoint?.({ commit: item.checkpoint.commit, prepare: item.checkpoint.prepare });
            continue;
          }
          return { value: item.event, done: false };
        }
        if (failure) {
          close();
          throw failure;
        }
        if (ended) {
          close();
          throw new EventStoreError('read', '$all', 'the server ended the subscription', {
            message:
              'The subscription to the global log ($all) was ended by the server. Subscribe again from the last position you processed.',
          });
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      return { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<PositionedEvent>> {
      close();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export function positionedEvent(
  event: KurrentRecordedEvent,
  toRecorded: (event: KurrentRecordedEvent) => RecordedEvent,
): PositionedEvent {
  const position = event.position ?? { commit: 0n, prepare: 0n };
  return { ...toRecorded(event), position: { commit: position.commit, prepare: position.prepare } };
}
