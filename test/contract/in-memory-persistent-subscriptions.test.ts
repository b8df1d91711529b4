import { InMemoryEventStore } from 'mneme';
import { ManualClock } from 'mneme/testing';
import { describePersistentSubscriptionContract } from './persistent-subscription-contract.js';

describePersistentSubscriptionContract(`${InMemoryEventStore.name} on a manual clock`, async () => {
  const clock = new ManualClock(Date.now());
  const store = new InMemoryEventStore({ clock, timerIntervalMs: 5 });
  return {
    store,
    elapse: async (ms) => {
      clock.advance(ms);
    },
  };
});
