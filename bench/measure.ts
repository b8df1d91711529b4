import { performance } from 'node:perf_hooks';

export interface Measurement {
  name: string;
  /** Median milliseconds per run. */
  medianMs: number;
}

/** Runs `fn` a few times after a warm-up and keeps the median: robust to a noisy neighbour. */
export async function measure(name: string, fn: () => Promise<unknown>, runs = 7): Promise<Measurement> {
  await fn(); // warm-up: JIT, caches, compiled handler tables
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { name, medianMs: times[Math.floor(times.length / 2)]! };
}

/** One line per comparison: Mneme against the hand-written baseline run in the same process. */
export function report(title: string, baseline: Measurement, subject: Measurement, unit: string, count: number): string {
  const ratio = subject.medianMs / baseline.medianMs;
  const perUnit = (m: Measurement) => ((m.medianMs * 1000) / count).toFixed(2);
  return (
    `${title}\n` +
    `  baseline (${baseline.name}): ${baseline.medianMs.toFixed(2)} ms, ${perUnit(baseline)} µs/${unit}\n` +
    `  mneme    (${subject.name}): ${subject.medianMs.toFixed(2)} ms, ${perUnit(subject)} µs/${unit}\n` +
    `  ratio mneme/baseline: ${ratio.toFixed(2)}x`
  );
}
