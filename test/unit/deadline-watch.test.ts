import { describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { DeadlineWatch } from '../../src/commands/deadline-watch.js';

/** A deadline `ms` from now that records when it expired. */
function deadlineIn(ms: number, expired: string[], name: string) {
  const deadline = {
    at: performance.now() + ms,
    expiredAt: undefined as number | undefined,
    expire() {
      deadline.expiredAt = performance.now();
      expired.push(name);
    },
  };
  return deadline;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DeadlineWatch: one timer for every command under way', () => {
  it('expires each deadline at its own time, one added later with an earlier time first', async () => {
    const watch = new DeadlineWatch();
    const expired: string[] = [];
    const late = deadlineIn(60, expired, 'late');
    const early = deadlineIn(15, expired, 'early');
    const middle = deadlineIn(35, expired, 'middle');
    watch.add(late);
    watch.add(early);
    watch.add(middle);
    await sleep(100);
    expect(expired).toEqual(['early', 'middle', 'late']);
    // Never before its time (a timer's millisecond steps allowed).
    for (const deadline of [early, middle, late]) expect(deadline.expiredAt!).toBeGreaterThanOrEqual(deadline.at - 1);
    expect(watch.size).toBe(0);
  });

  it('never expires a deadline whose command settled first', async () => {
    const watch = new DeadlineWatch();
    const expired: string[] = [];
    const settled = deadlineIn(10, expired, 'settled');
    const running = deadlineIn(30, expired, 'running');
    watch.add(settled);
    watch.add(running);
    watch.delete(settled);
    await sleep(60);
    expect(expired).toEqual(['running']);
  });

  it('watches again after it went idle', async () => {
    const watch = new DeadlineWatch();
    const expired: string[] = [];
    const first = deadlineIn(10, expired, 'first');
    watch.add(first);
    watch.delete(first);
    expect(watch.size).toBe(0);
    watch.add(deadlineIn(20, expired, 'second'));
    await sleep(50);
    expect(expired).toEqual(['second']);
  });
});
