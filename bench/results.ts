/** What `npm run bench` reports: one entry per scenario and variant, written to bench/results/latest.json. */
export interface Entry {
  scenario: string;
  variant: string;
  /** What one operation is, and what `nsPerEvent` is per: 'event' (replays) or 'command'/'append'. */
  unit: string;
  /** Operations per second (replays, commands, appends, reads). */
  opsPerSec: number;
  /** Nanoseconds per `unit`. */
  nsPerEvent: number;
  /** This variant's time over the baseline's (2 means twice as slow); 1 for the baseline itself. */
  ratioToBaseline: number;
  baseline: string;
  /** The same ratio against every reference variant of the scenario (hand-written, peers). */
  ratios: Record<string, number>;
  /** Contention counts. */
  ok?: number;
  rejected?: number;
  failed?: number;
  attempts?: number;
  totalMs?: number;
  p99Ms?: number;
  maxMs?: number;
  /** Hot streams: this variant's max latency over the hand-written retry's, in the same run. */
  maxLatencyRatio?: number;
  /** Failed commands by error name (MaxRetriesExceededError, or anything unexpected). */
  failures?: Record<string, number>;
  /** Memory: stream length, heap before the replay, heap growth during it, longest timer delay. */
  streamLength?: number;
  heapBeforeMB?: number;
  peakHeapGrowthMB?: number;
  maxTimerDelayMs?: number;
  /** Competing consumers: the events each instance handled in the median run. */
  split?: number[];
}

export interface ScenarioReport {
  scenario: string;
  title: string;
  unit: string;
  /** The variants every other one is compared with; the first is `baseline` in the entries. */
  references: string[];
  entries: Entry[];
}

/** Entries from per-operation times: `msPerOp` by variant, `unitsPerOp` events or commands per operation. */
export function scenarioReport(
  scenario: string,
  title: string,
  unit: string,
  unitsPerOp: number,
  msPerOp: ReadonlyMap<string, number>,
  references: string[],
  extra: (variant: string) => Partial<Entry> = () => ({}),
): ScenarioReport {
  const baseline = references[0]!;
  const entries = [...msPerOp].map(([variant, ms]): Entry => {
    const ratios = Object.fromEntries(
      references.filter((r) => r !== variant).map((r) => [r, round(ms / msPerOp.get(r)!, 3)]),
    );
    return {
      scenario,
      variant,
      unit,
      opsPerSec: round(1000 / ms, 2),
      nsPerEvent: round((ms * 1e6) / unitsPerOp, 1),
      ratioToBaseline: round(ms / msPerOp.get(baseline)!, 3),
      baseline,
      ratios,
      ...extra(variant),
    };
  });
  return { scenario, title, unit, references, entries };
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

const format = (value: number) =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value >= 10 ? value.toFixed(1) : value.toFixed(2);

/** A compact block per scenario: ops/s, ns per unit, ratio to each reference, and counts where there are any. */
export function formatReport(report: ScenarioReport): string {
  const headers = ['variant', 'ops/s', `ns/${report.unit}`, ...report.references.map((r) => `x ${r}`)];
  const rows = report.entries.map((e) => {
    const cells = [
      e.variant,
      format(e.opsPerSec),
      format(e.nsPerEvent),
      ...report.references.map((r) => (r === e.variant ? '1' : format(e.ratios[r]!))),
    ];
    const counts: string[] = [];
    if (e.ok !== undefined) {
      counts.push(
        `ok ${e.ok}, rejected ${e.rejected}, failed ${e.failed}, attempts ${e.attempts}, total ${format(e.totalMs!)} ms, p99 ${format(e.p99Ms!)} ms, max ${format(e.maxMs!)} ms` +
          (e.maxLatencyRatio === undefined ? '' : ` (${format(e.maxLatencyRatio)}x the hand-written max)`),
      );
    }
    if (e.streamLength !== undefined) {
      counts.push(
        `heap before ${format(e.heapBeforeMB!)} MB, peak growth ${format(e.peakHeapGrowthMB!)} MB, longest timer delay ${format(e.maxTimerDelayMs!)} ms`,
      );
    }
    if (e.split !== undefined) counts.push(`split between the instances: ${splitText(e.split)}`);
    return { cells, counts };
  });
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const lines = [`${report.title}`, `  ${line(headers)}`];
  for (const row of rows) {
    lines.push(`  ${line(row.cells)}`);
    for (const c of row.counts) lines.push(`    ${c}`);
  }
  return lines.join('\n');
}

/** 2,510 / 2,490 / 2,500 / 2,500: the events each instance handled. */
function splitText(split: readonly number[]): string {
  return split.map((count) => count.toLocaleString('en-US')).join(' / ');
}

/** 1,600 ns, 26 µs, 19 ms: per-unit times in a unit a reader can compare at a glance. */
function duration(ns: number): string {
  if (ns >= 1e6) return `${format(ns / 1e6)} ms`;
  if (ns >= 1e4) return `${format(ns / 1e3)} µs`;
  return `${format(ns)} ns`;
}

/** The same results as Markdown, for the README; a reference is compared only with the references listed before it. */
export function markdownReport(reports: readonly ScenarioReport[]): string {
  const lines = ['| scenario | variant | ops/s | time | ratio | counts |', '|---|---|---:|---:|---|---|'];
  for (const report of reports) {
    for (const e of report.entries) {
      const position = report.references.indexOf(e.variant);
      const against = position < 0 ? report.references : report.references.slice(0, position);
      const ratios = against.map((r) => `${format(e.ratios[r]!)}x ${r}`).join('; ');
      const counts =
        e.ok !== undefined
          ? `ok ${e.ok}, failed ${e.failed}, attempts ${e.attempts}, total ${format(e.totalMs!)} ms, p99 ${format(e.p99Ms!)} ms, max ${format(e.maxMs!)} ms`
          : e.streamLength !== undefined
            ? `heap +${format(e.peakHeapGrowthMB!)} MB during the replay, longest timer delay ${format(e.maxTimerDelayMs!)} ms`
            : e.split !== undefined
              ? `split ${splitText(e.split)}`
              : '';
      lines.push(
        `| ${report.scenario} | ${e.variant} | ${format(e.opsPerSec)} | ${duration(e.nsPerEvent)}/${e.unit} | ${ratios} | ${counts} |`,
      );
    }
  }
  return lines.join('\n');
}
