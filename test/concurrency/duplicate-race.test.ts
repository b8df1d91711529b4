import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { InMemoryEventStore } from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';
import { duplicateThatLosesTheRace } from '../support/duplicate-race.js';
import { useKurrentTarget } from '../support/kurrent-target.js';

const where = ['two instances', 'one container'] as const;

describe('a duplicate that loses the race (InMemoryEventStore)', () => {
  it.each(where)('sent at once to %s: stored once, and both callers get the stored events', async (target) => {
    await duplicateThatLosesTheRace(new InMemoryEventStore(), `show-${randomUUID()}`, target);
  });
});

describe('a duplicate that loses the race (KurrentEventStore)', () => {
  let store: KurrentEventStore;
  afterAll(() => store.close());
  const kurrent = useKurrentTarget();
  beforeAll(() => {
    store = new KurrentEventStore(kurrent.target.connectionString);
  });
  it.each(where)('sent at once to %s: stored once, and both callers get the stored events', async (target) => {
    await duplicateThatLosesTheRace(store, `show-${randomUUID()}`, target);
  });
});
