import { describe, expect, it } from '@jest/globals';
import { accountHistory, balanceAfter } from '../../bench/account-events.js';
import { foldAccount } from '../../bench/baselines/hand-written.js';
import { alternateBatches, median, percentile } from '../../bench/harness.js';
import { scenarioReport } from '../../bench/results.js';
import { checkTargets } from '../../bench/targets.js';
import * as commands from '../../bench/scenarios/commands.js';
import * as replay from '../../bench/scenarios/replay.js';

describe('benchmark harness', () => {
  it('runs each variant first in turn, so order effects fall on all of them alike', async () => {
    const order: string[] = [];
    const variant = (name: string) => ({ name, setup: async () => name, run: async (n: string) => void order.push(n) });
    await alternateBatches([variant('a'), variant('b'), variant('c')], 3, false);
    expect(order).toEqual(['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
  });

  it('takes medians and percentiles without reordering the input', () => {
    const values = [5, 1, 4, 2];
    expect(median(values)).toBe(3);
    expect(percentile(values, 99)).toBe(5);
    expect(percentile(values, 50)).toBe(2);
    expect(values).toEqual([5, 1, 4, 2]);
  });

  it('knows the balance of the seeded history without folding it', () => {
    for (const length of [1, 2, 3, 10, 11, 10_000]) {
      expect(balanceAfter(length)).toBe(foldAccount(accountHistory('a', length)).balance);
    }
    // Appending in pieces gives the same history as appending at once.
    expect([...accountHistory('a', 4), ...accountHistory('a', 3, 4)]).toEqual(accountHistory('a', 7));
  });

  it('reports the replay target as not met when Mneme is slower than Emmett', () => {
    const times = new Map([
      [replay.HAND_OBJECTS, 0.1],
      [replay.HAND_JSON, 4],
      [replay.EMMETT, 4],
      [replay.MNEME, 8],
    ]);
    const report = scenarioReport('replay', 'replay', 'event', 10_000, times, [
      replay.HAND_OBJECTS,
      replay.HAND_JSON,
      replay.EMMETT,
    ]);
    const mneme = report.entries.find((e) => e.variant === replay.MNEME)!;
    expect(mneme).toMatchObject({
      ratioToBaseline: 80,
      baseline: replay.HAND_OBJECTS,
      nsPerEvent: 800,
      opsPerSec: 125,
    });
    expect(checkTargets([report]).map((c) => [c.target, c.met])).toEqual([
      ['1. replay: Mneme time / Emmett aggregateStream', false],
      ['1. replay: Mneme time / JSON.parse + switch', false],
    ]);
  });

  it('reports what telemetry costs with no SDK: the defaults over telemetry: false', () => {
    const check = (defaultsMs: number) => {
      const times = new Map([
        [commands.HAND, 1],
        [commands.EMMETT, 10],
        [commands.MNEME_DEFAULTS, defaultsMs],
        [commands.MNEME_TELEMETRY_OFF, 20],
      ]);
      const report = scenarioReport('commands', 'commands', 'command', 1, times, [
        commands.HAND,
        commands.EMMETT,
        commands.MNEME_TELEMETRY_OFF,
      ]);
      return checkTargets([report]).find((c) => c.target.includes('telemetry'))!;
    };
    expect(check(20.4)).toMatchObject({ measured: '1.02x', met: true });
    expect(check(24)).toMatchObject({ measured: '1.20x', met: false });
  });
});
