import { performance } from 'node:perf_hooks';

export interface Measurement {
  name: string;
  /** Median milliseconds per run. */
  medianMs: number;
}

export interface Contender {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * Times the baseline and the subject in alternation (after a warm-up of each), so drift in the
 * machine or in shared state (a growing log, GC) hits both alike; keeps each one's median.
 */
export async function compare(baseline: Contender, subject: Contender, runs = 7): Promise<[Measurement, Measurement]> {
  await baseline.run();
  await subject.run();
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const which of order) {
      const contender = which === 0 ? baseline : subject;
      const start = performance.now();
      await contender.run();
      times[which]!.push(performance.now() - start);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return [
    { name: baseline.name, medianMs: median(times[0]) },
    { name: subject.name, medianMs: median(times[1]) },
  ];
}

/** One block per comparison: Mneme against the hand-written baseline run in the same process. */
export function report(title: string, [baseline, subject]: [Measurement, Measurement], unit: string, count: number): string {
  const ratio = subject.medianMs / baseline.medianMs;
  const perUnit = (m: Measurement) => ((m.medianMs * 1000) / count).toFixed(2);
  return (
    `${title}\n` +
    `  baseline (${baseline.name}): ${baseline.medianMs.toFixed(2)} ms, ${perUnit(baseline)} µs/${unit}\n` +
    `  mneme    (${subject.name}): ${subject.medianMs.toFixed(2)} ms, ${perUnit(subject)} µs/${unit}\n` +
    `  ratio mneme/baseline: ${ratio.toFixed(2)}x`
  );
}
