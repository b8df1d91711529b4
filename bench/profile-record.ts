/**
 * The cost breakdown of one command, as `npm run bench:profile -- cold --label=<before|after>`
 * records it: bench/results/profile-cold-<label>.json keeps the last runs (stage -> µs per command,
 * bytes allocated per command), and bench/README.md's breakdown table is generated from the two files.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface ProfileRun {
  date: string;
  loadAverage: number;
  commands: number;
  /** Stage of a command -> µs of self time per command, the profiler's own time left out. */
  stages: Record<string, number>;
  /** Sampled (every allocation counted, `--alloc`); absent without it. */
  allocatedBytesPerCommand?: number;
}

export interface ProfileRecord {
  label: string;
  runs: ProfileRun[];
}

/** Runs kept per label: the table shows their range. */
const KEPT = 3;
const resultsDir = new URL('../../bench/results/', import.meta.url);
const fileOf = (name: string, label: string) => new URL(`profile-${name}-${label}.json`, resultsDir);

/** Adds a run to profile-<name>-<label>.json (the oldest beyond KEPT dropped). */
export function recordProfile(name: string, label: string, run: Omit<ProfileRun, 'date' | 'loadAverage'>): void {
  const file = fileOf(name, label);
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ProfileRecord) : { label, runs: [] };
  const entry: ProfileRun = {
    date: new Date().toISOString(),
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
    ...run,
  };
  writeFileSync(file, `${JSON.stringify({ label, runs: [...previous.runs, entry].slice(-KEPT) }, null, 2)}\n`);
}

function readRecord(name: string, label: string): ProfileRecord | undefined {
  const file = fileOf(name, label);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ProfileRecord) : undefined;
}

/** Stages in the table's order, with the files each covers (bench/profile.ts's STAGES). */
const ROWS: [string, string][] = [
  ['GC', 'GC'],
  ['load / save (repository, cache, snapshots)', 'load and save: repository, aggregate cache, snapshots'],
  ['store (read + append)', 'store, read and append'],
  ['other (Node, V8 builtins)', 'Node and V8 built-ins (promise jobs, `Map`, buffers)'],
  ['(program)', "V8's `(program)` (outside any JavaScript function)"],
  ['replay (fold)', 'replay, the fold (`replay`, `aggregate-root`, appliers)'],
  ['bus (route, stamp options, dispatch)', 'bus: route, command options, dispatch'],
  ['serialize / deserialize', 'serialize and deserialize (`events/`)'],
  ['stamp ids', 'stamp ids (SHA-1 event ids, the command id)'],
  ['queue + retry', 'queue and retry'],
  ['telemetry', 'telemetry, no SDK registered'],
  ['handler (domain code)', 'the handler itself (`examples/bank-account`)'],
];

const range = (values: number[], digits: number) => {
  if (values.length === 0) return '–';
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low.toFixed(digits) === high.toFixed(digits)
    ? low.toFixed(digits)
    : `${low.toFixed(digits)}–${high.toFixed(digits)}`;
};

/** The breakdown table (before / after, each the range over its recorded runs), or undefined without both records. */
export function profileTable(name: string): string | undefined {
  const before = readRecord(name, 'before');
  const after = readRecord(name, 'after');
  if (!before || !after) return undefined;
  const column = (record: ProfileRecord, pick: (run: ProfileRun) => number | undefined, digits = 2) =>
    range(
      record.runs.map(pick).filter((v): v is number => v !== undefined),
      digits,
    );
  const total = (run: ProfileRun) => Object.values(run.stages).reduce((a, b) => a + b, 0);
  const loads = (record: ProfileRecord) =>
    range(
      record.runs.map((r) => r.loadAverage),
      1,
    );
  return [
    `Generated from bench/results/profile-${name}-before.json (${before.runs.length} runs, load average ${loads(before)}) and -after.json (${after.runs.length} runs, load average ${loads(after)}).`,
    '',
    '| stage | before, µs per command | after, µs per command |',
    '|---|---:|---:|',
    ...ROWS.map(
      ([stage, label]) =>
        `| ${label} | ${column(before, (r) => r.stages[stage] ?? 0)} | ${column(after, (r) => r.stages[stage] ?? 0)} |`,
    ),
    `| all (under the profiler) | ${column(before, total, 1)} | ${column(after, total, 1)} |`,
    `| allocated per command (sampled, \`--alloc\`) | ${column(before, (r) => r.allocatedBytesPerCommand && r.allocatedBytesPerCommand / 1000, 1)} KB | ${column(after, (r) => r.allocatedBytesPerCommand && r.allocatedBytesPerCommand / 1000, 1)} KB |`,
  ].join('\n');
}
