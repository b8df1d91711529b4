import { performance } from 'node:perf_hooks';
import { Aggregate, AggregateRepository, AggregateRoot, Apply, InMemoryEventStore } from 'mneme';
import { AccountOpened, Deposited, Withdrawn } from '../../examples/bank-account/domain.js';
import { DEPOSITED, accountHistory, balanceAfter } from '../account-events.js';
import { collectGarbage } from '../harness.js';
import { round, type ScenarioReport, type Entry } from '../results.js';
import type { BenchSettings } from '../settings.js';

const MB = 1024 * 1024;
const SAMPLE_EVERY = 8192;

/** The highest heap seen since the last reset: sampled by the aggregate as it applies events, and by the timer. */
const heap = {
  peak: 0,
  sample() {
    const used = process.memoryUsage().heapUsed;
    if (used > this.peak) this.peak = used;
  },
};

/** The bank account's events, applied by an aggregate that also samples the heap while it replays. */
@Aggregate({ category: 'BenchMemory' })
class SampledAccount extends AggregateRoot {
  balance = 0;
  applied = 0;
  #tick() {
    if (++this.applied % SAMPLE_EVERY === 0) heap.sample();
  }
  @Apply(AccountOpened) onOpened() {
    this.#tick();
  }
  @Apply(Deposited) onDeposited(e: Deposited) {
    this.balance += e.amount;
    this.#tick();
  }
  @Apply(Withdrawn) onWithdrawn(e: Withdrawn) {
    this.balance -= e.amount;
    this.#tick();
  }
}

/** A 1 ms timer re-armed for as long as the replay runs: its lateness is how long the event loop was held. */
function watchTimers(): () => number {
  let longest = 0;
  let due = performance.now() + 1;
  let timer = setTimeout(function fire() {
    const now = performance.now();
    longest = Math.max(longest, now - due);
    heap.sample();
    due = now + 1;
    timer = setTimeout(fire, 1);
  }, 1);
  return () => {
    clearTimeout(timer);
    // A replay that never let the timer fire held the loop for all of it.
    return Math.max(longest, performance.now() - due);
  };
}

/** Target 5: one stream grown to each length in turn, replayed from InMemoryEventStore while heap and timers are watched. */
export async function memoryScenario(settings: BenchSettings): Promise<ScenarioReport> {
  const store = new InMemoryEventStore();
  const repository = new AggregateRepository(store);
  const id = 'long';
  let length = 0;
  const entries: Entry[] = [];
  for (const target of settings.memoryLengths) {
    for (; length < target; length += Math.min(10_000, target - length)) {
      // What Mneme itself stores, as in the replay scenario: deposits at their current schema (see the README on upcasting).
      const batch = accountHistory(id, Math.min(10_000, target - length), length).map((event) =>
        event.type === DEPOSITED
          ? { ...event, data: { ...event.data, currency: 'EUR' }, metadata: { schemaVersion: 2 } }
          : event,
      );
      await store.appendToStream(`BenchMemory-${id}`, batch);
    }
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    heap.peak = before;
    const stopWatching = watchTimers();
    const start = performance.now();
    const account = await repository.load(SampledAccount, id);
    const ms = performance.now() - start;
    const maxTimerDelayMs = stopWatching();
    if (account.balance !== balanceAfter(length))
      throw new Error(`replayed a balance of ${account.balance}, expected ${balanceAfter(length)}`);
    entries.push({
      scenario: 'memory',
      variant: `Mneme repository.load, ${length.toLocaleString('en-US')} events`,
      unit: 'event',
      opsPerSec: round(1000 / ms, 3),
      nsPerEvent: round((ms * 1e6) / length, 1),
      ratioToBaseline: 1,
      baseline: '',
      ratios: {},
      streamLength: length,
      heapBeforeMB: round(before / MB, 1),
      peakHeapGrowthMB: round((heap.peak - before) / MB, 1),
      maxTimerDelayMs: round(maxTimerDelayMs, 1),
    });
  }
  // Each length compared with the shortest: flat per-event cost means a ratio near 1.
  const first = entries[0]!;
  for (const entry of entries) {
    entry.baseline = first.variant;
    entry.ratioToBaseline = round(entry.nsPerEvent / first.nsPerEvent, 3);
    if (entry !== first) entry.ratios = { [first.variant]: entry.ratioToBaseline };
  }
  return {
    scenario: 'memory',
    title: `5. Replay one InMemoryEventStore stream grown to ${settings.memoryLengths.map((n) => n.toLocaleString('en-US')).join(', ')} events (heap, event loop)`,
    unit: 'event',
    references: [first.variant],
    entries,
  };
}
