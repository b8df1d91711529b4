import 'reflect-metadata';
import { EventType, On, Projection, type PositionedEvent } from 'mneme';

@EventType('ProjectionTest.ItemAdded')
export class ItemAdded {
  constructor(
    readonly listId: string,
    readonly item: string,
  ) {}
}

@EventType('ProjectionTest.ItemRemoved')
export class ItemRemoved {
  constructor(
    readonly listId: string,
    readonly item: string,
  ) {}
}

@EventType('OtherTest.Pinged')
export class Pinged {
  constructor(readonly n: number) {}
}

export const added = (listId: string, item: string) => ({ type: 'ProjectionTest.ItemAdded', data: { listId, item } });
export const removed = (listId: string, item: string) => ({
  type: 'ProjectionTest.ItemRemoved',
  data: { listId, item },
});

/** Items per list, and every (stream, revision) it saw, in order. */
@Projection({ name: 'items-per-list', from: { categories: ['List'] } })
export class ItemsPerList {
  readonly lists = new Map<string, string[]>();
  readonly seen: string[] = [];
  failOn: string | undefined;
  /** How many times `failOn` fails before it succeeds (default: always). */
  failTimes = Infinity;
  failures = 0;
  /** Awaited by `add` before it does anything, once `entered` was called. */
  gate: Promise<void> | undefined;
  entered: (() => void) | undefined;

  @On(ItemAdded)
  async add(event: ItemAdded, recorded: PositionedEvent) {
    this.entered?.();
    if (this.gate) await this.gate;
    if (event.item === this.failOn && this.failures < this.failTimes) {
      this.failures += 1;
      throw new Error(`cannot add ${event.item}`);
    }
    this.seen.push(`${recorded.streamName}@${recorded.revision}`);
    this.lists.set(event.listId, [...(this.lists.get(event.listId) ?? []), event.item]);
  }

  @On(ItemRemoved)
  remove(event: ItemRemoved, recorded: PositionedEvent) {
    this.seen.push(`${recorded.streamName}@${recorded.revision}`);
    this.lists.set(
      event.listId,
      (this.lists.get(event.listId) ?? []).filter((item) => item !== event.item),
    );
  }
}

/** Reads every category, by event type. */
@Projection({ name: 'pings', from: 'all' })
export class PingCounter {
  count = 0;
  @On(Pinged) ping() {
    this.count += 1;
  }
}
