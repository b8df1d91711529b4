import { performance } from 'node:perf_hooks';
import { measure } from 'mitata';

/** `npm run bench -- --no-gc`: no forced GC between runs (see collectGarbage). */
const forcedGc = !process.argv.includes('--no-gc');

/**
 * Runs a full GC when node was started with --expose-gc (`npm run bench` does), so one variant's
 * garbage is not charged to the next. A forced full GC also slows the next few thousand commands
 * (Mneme's more than Emmett's: bench/README.md); `--no-gc` leaves it out to compare.
 */
export function collectGarbage(): void {
  if (forcedGc) (globalThis as { gc?: () => void }).gc?.();
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * The order of round r: a row of a balanced Latin square (Williams design). Over n rounds (2n for
 * an odd n) each variant runs first, last and in every position equally often, and follows every
 * other variant equally often. The second matters: without a forced GC, the garbage one run leaves
 * is collected during the next, and a plain rotation (round r starting at variant r) has every
 * variant follow the same one each round, charging that one's garbage to it.
 */
export function balancedOrder<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  const row = round % (n % 2 === 0 ? n : 2 * n);
  // 0, 1, n-1, 2, n-2, ...: consecutive differences all distinct (mod n), shifted by the row.
  const order = Array.from({ length: n }, (_, j) => {
    const base = j === 0 ? 0 : j % 2 === 1 ? (j + 1) / 2 : n - j / 2;
    return items[(base + row) % n]!;
  });
  return row >= n ? order.reverse() : order;
}

export interface Repeatable {
  name: string;
  /** One operation; must leave no state behind that changes the next one's cost. */
  run: () => Promise<unknown>;
}

/**
 * For operations that can be repeated as is (a replay, a read): each round gives every variant a
 * time slice measured by mitata, in rotating order; the result is the median of the rounds'
 * medians, in ms per operation. Alternating spreads the machine's drift over all variants alike.
 */
export async function alternateRepeatable(
  variants: readonly Repeatable[],
  rounds: number,
  sliceMs: number,
): Promise<Map<string, number>> {
  const perRound = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of balancedOrder(variants, round)) {
      collectGarbage();
      const stats = await measure(variant.run, { min_cpu_time: sliceMs * 1e6, min_samples: 3, warmup_samples: 1 });
      perRound.get(variant.name)!.push(stats.p50 / 1e6);
    }
  }
  return new Map([...perRound].map(([name, times]) => [name, median(times)]));
}

export interface Batch<S, R> {
  name: string;
  /** Untimed: a fresh store, seeded accounts. */
  setup: () => Promise<S>;
  /** Timed, once per round. */
  run: (state: S) => Promise<R>;
  /** Untimed, after every run (closing clients, checking results). */
  after?: (state: S, result: R) => Promise<void> | void;
}

export interface BatchTimes<R> {
  /** Median ms per run. */
  medianMs: number;
  /** The result of the run whose time is the median (its counts go into the report). */
  medianResult: R;
  times: number[];
}

/** What a batch's time is: elapsed (wall) time, or the process's CPU time (user + system) during the run. */
export type BatchClock = 'wall' | 'cpu';

/**
 * Milliseconds now on `clock`. CPU time leaves out the time the process waited for a core: on a
 * machine shared with other work it is the steadier figure for sequential, CPU-bound runs (no I/O,
 * no timers waited for), where on a quiet machine it equals wall time.
 */
function now(clock: BatchClock): number {
  if (clock === 'wall') return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * For operations that need fresh state each time (sequential commands, contention runs): per round,
 * every variant in rotating order is set up untimed, then timed for one run; the result is the median.
 */
export async function alternateBatches<R>(
  variants: readonly Batch<any, R>[],
  rounds: number,
  warmUp = true,
  clock: BatchClock = 'wall',
  /**
   * A full GC before each timed run (with --expose-gc). Off for scenarios that measure a process
   * in its steady state: V8 runs the next few thousand commands after a forced full GC markedly
   * slower (bench/README.md), which no application does; alternation then spreads each variant's
   * garbage over the others alike.
   */
  forceGc = true,
): Promise<Map<string, BatchTimes<R>>> {
  const runs = new Map<string, { ms: number; result: R }[]>(variants.map((v) => [v.name, []]));
  // One untimed run each first (JIT, connections), unless a run is too long to spend twice.
  if (warmUp) {
    for (const variant of variants) {
      const state = await variant.setup();
      await variant.after?.(state, await variant.run(state));
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const variant of balancedOrder(variants, round)) {
      const state = await variant.setup();
      if (forceGc) collectGarbage();
      const start = now(clock);
      const result = await variant.run(state);
      const ms = now(clock) - start;
      await variant.after?.(state, result);
      runs.get(variant.name)!.push({ ms, result });
    }
  }
  return new Map(
    [...runs].map(([name, list]) => {
      const byTime = [...list].sort((a, b) => a.ms - b.ms);
      const middle = byTime[Math.floor((byTime.length - 1) / 2)]!;
      return [
        name,
        { medianMs: median(list.map((r) => r.ms)), medianResult: middle.result, times: list.map((r) => r.ms) },
      ];
    }),
  );
}
