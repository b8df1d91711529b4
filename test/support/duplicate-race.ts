import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  EventType,
  Handles,
  deserializeEvent,
  mnemeModule,
  type EventStore,
} from 'mneme';
import { collect } from './collect.js';

@EventType('RaceTest.Issued')
export class TicketIssued {
  constructor(readonly ticket = '') {}
}

export class IssueTicket {
  @AggregateId() showId: string;
  constructor(showId: string) {
    this.showId = showId;
  }
}

/** Lets `expected` handlers in, then all of them on together (or on after a second, so nothing hangs). */
class Barrier {
  #waiting: (() => void)[] = [];
  constructor(private readonly expected: number) {}
  async arrive(): Promise<void> {
    const passed = new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
      setTimeout(resolve, 1000).unref();
    });
    if (this.#waiting.length >= this.expected) for (const release of this.#waiting) release();
    await passed;
  }
}

let barrier: Barrier | undefined;
export let decisions = 0;

@Aggregate({ category: 'RaceShow', snapshot: { every: 2, version: 1 } })
export class Show extends AggregateRoot {
  tickets: string[] = [];
  @Handles(IssueTicket)
  async issue() {
    decisions++;
    await barrier?.arrive();
    // Not a function of the state: each decision holds its own ticket number.
    return new TicketIssued(randomUUID());
  }
  @Apply(TicketIssued) onIssued(event: TicketIssued) {
    this.tickets.push(event.ticket);
  }
}

async function instance(store: EventStore, inProcessStreamQueue: boolean) {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [Show], eventStore: store, inProcessStreamQueue }));
  return { bus: container.get(CommandBus), repository: container.get(AggregateRepository) };
}

/**
 * The same command id sent at once twice, both sends deciding at the same revision before either
 * appends (a queue's redelivery): to two app instances, or into one container with the in-process
 * queue off. One copy is stored, and both callers get the stored events.
 */
export async function duplicateThatLosesTheRace(
  store: EventStore,
  showId: string,
  where: 'two instances' | 'one container',
): Promise<void> {
  const first = await instance(store, false);
  const second = where === 'two instances' ? await instance(store, false) : first;
  await first.bus.execute(new IssueTicket(showId)); // cached by both when they load
  await second.bus.execute(new IssueTicket(showId));
  decisions = 0;
  barrier = new Barrier(2);
  let results;
  try {
    results = await Promise.all(
      [first, second].map((app) => app.bus.execute(new IssueTicket(showId), { commandId: `redelivered-${showId}` })),
    );
  } finally {
    barrier = undefined;
  }
  expect(decisions).toBe(2); // both decided: the race really happened

  const stored = await collect(store.readStream(`RaceShow-${showId}`));
  const ofCommand = stored.filter((recorded) => recorded.metadata.commandId === `redelivered-${showId}`);
  expect(ofCommand).toHaveLength(1);
  const storedEvent = deserializeEvent(ofCommand[0]!);
  for (const result of results) {
    expect(result.events).toEqual([storedEvent]);
    expect(result.nextExpectedRevision).toBe(ofCommand[0]!.revision);
  }
  // What each instance decides from and loads next is what was stored, not the loser's decision.
  const tickets = stored.map((recorded) => (deserializeEvent(recorded) as TicketIssued).ticket);
  for (const app of [first, second]) {
    expect((await app.repository.load(Show, showId)).tickets).toEqual(tickets);
    const next = await app.bus.execute(new IssueTicket(showId));
    tickets.push((next.events[0] as TicketIssued).ticket);
    expect((await app.repository.load(Show, showId)).tickets).toEqual(tickets);
  }
}
