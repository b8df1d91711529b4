/**
 * bench/results/latest.json and what is generated from it: latest.md and the results section of
 * bench/README.md. A full run replaces latest.json; a run with --only replaces the entries of the
 * scenarios it ran and keeps the others (each scenario records when, and under what load, it ran),
 * so a late partial run on a busy machine updates what it measured and nothing else.
 * `npm run bench:readme` regenerates latest.md and the README section from latest.json alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { markdownReport, type Entry, type ScenarioReport } from './results.js';
import { checkTargets, type TargetCheck } from './targets.js';
import { profileTable } from './profile-record.js';

export interface Machine {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  platform: string;
  gcExposed: boolean;
  gcBeforeCommandRuns?: boolean;
  quick: boolean;
  loadAverageBefore: number;
  loadAverageAfter: number;
}

/** A scenario's report without its entries (those are `results`), and the run it came from. */
export interface ScenarioRun extends Omit<ScenarioReport, 'entries'> {
  date: string;
  /** The run's command-line flags (--forced-gc, --no-gc). */
  flags?: string[];
  loadAverageBefore: number;
  loadAverageAfter: number;
}

export interface LatestResults {
  machine: Machine;
  settings: unknown;
  results: Entry[];
  targets: TargetCheck[];
  scenarios?: ScenarioRun[];
}

const resultsDir = new URL('../../bench/results/', import.meta.url);
const readmeFile = new URL('../../bench/README.md', import.meta.url);
const START = '<!-- results:start (generated from bench/results/latest.json by npm run bench; do not edit) -->';
const END = '<!-- results:end -->';
const PROFILE_START =
  '<!-- profile:start (generated from bench/results/profile-cold-*.json by npm run bench:profile -- cold --label=...; do not edit) -->';
const PROFILE_END = '<!-- profile:end -->';

/** The reports latest.json holds (scenarios written before they were recorded get a bare title). */
export function reportsOf(latest: LatestResults): ScenarioReport[] {
  const names = [...new Set(latest.results.map((e) => e.scenario))];
  return names.map((scenario) => {
    const entries = latest.results.filter((e) => e.scenario === scenario);
    const run = latest.scenarios?.find((s) => s.scenario === scenario);
    return run
      ? { scenario, title: run.title, unit: run.unit, references: run.references, entries }
      : { scenario, title: scenario, unit: entries[0]!.unit, references: referencesOf(entries), entries };
  });
}

/** For entries recorded without their scenario's references: every variant some entry has a ratio against, the baseline first. */
function referencesOf(entries: readonly Entry[]): string[] {
  const references = [entries[0]!.baseline];
  for (const entry of entries)
    for (const name of Object.keys(entry.ratios)) if (!references.includes(name)) references.push(name);
  return references.sort(
    (a, b) => entries.findIndex((e) => e.variant === a) - entries.findIndex((e) => e.variant === b),
  );
}

/** Merges this run into latest.json (all of it for a full run) and writes it, latest.md and the README section. */
export function recordRun(
  reports: readonly ScenarioReport[],
  machine: Machine,
  settings: unknown,
  full: boolean,
): LatestResults {
  const file = new URL('latest.json', resultsDir);
  const previous = !full && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LatestResults) : undefined;
  const ran = new Set(reports.map((r) => r.scenario));
  const flags = process.argv.slice(2).filter((a) => a === '--forced-gc' || a === '--no-gc');
  const runs: ScenarioRun[] = reports.map(({ entries: _entries, ...report }) => ({
    ...report,
    date: machine.date,
    flags,
    loadAverageBefore: machine.loadAverageBefore,
    loadAverageAfter: machine.loadAverageAfter,
  }));
  // Kept scenarios first, in their order; the ones this run measured replace theirs in place or are appended.
  const kept = previous ? reportsOf(previous) : [];
  const merged: ScenarioReport[] = kept.map((r) =>
    ran.has(r.scenario) ? reports.find((n) => n.scenario === r.scenario)! : r,
  );
  for (const report of reports) if (!merged.some((r) => r.scenario === report.scenario)) merged.push(report);
  const keptRuns = (previous?.scenarios ?? []).filter((s) => !ran.has(s.scenario));
  const latest: LatestResults = {
    machine: previous && !full ? previous.machine : machine,
    settings: previous && !full ? previous.settings : settings,
    results: merged.flatMap((r) => r.entries),
    targets: checkTargets(merged),
    scenarios: merged.map(
      (r) =>
        runs.find((s) => s.scenario === r.scenario) ??
        keptRuns.find((s) => s.scenario === r.scenario) ??
        legacyRun(r, previous!.machine),
    ),
  };
  writeFileSync(file, `${JSON.stringify(latest, null, 2)}\n`);
  writeGenerated(latest);
  return latest;
}

function legacyRun({ entries: _entries, ...report }: ScenarioReport, machine: Machine): ScenarioRun {
  return {
    ...report,
    date: machine.date,
    loadAverageBefore: machine.loadAverageBefore,
    loadAverageAfter: machine.loadAverageAfter,
  };
}

/** latest.md and the results section of bench/README.md, from latest.json's content. */
export function writeGenerated(latest: LatestResults): void {
  const reports = reportsOf(latest);
  writeFileSync(new URL('latest.md', resultsDir), `${markdownReport(reports)}\n`);
  if (!existsSync(readmeFile)) return;
  const readme = readFileSync(readmeFile, 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) return;
  let updated = `${readme.slice(0, from + START.length)}\n${resultsSection(latest, reports)}\n${readme.slice(to)}`;
  // The breakdown of one cold command, from the profiler's records (bench/profile-record.ts).
  const table = profileTable('cold');
  const [pFrom, pTo] = [updated.indexOf(PROFILE_START), updated.indexOf(PROFILE_END)];
  if (table && pFrom >= 0 && pTo > pFrom)
    updated = `${updated.slice(0, pFrom + PROFILE_START.length)}\n${table}\n${updated.slice(pTo)}`;
  writeFileSync(readmeFile, updated);
}

function resultsSection(latest: LatestResults, reports: readonly ScenarioReport[]): string {
  const { machine } = latest;
  const runs = (latest.scenarios ?? [])
    .map(
      (s) =>
        `| ${s.scenario} | ${s.date.slice(0, 16).replace('T', ' ')} UTC | ${s.loadAverageBefore} → ${s.loadAverageAfter} | ${s.flags?.join(' ') || ''} |`,
    )
    .join('\n');
  const targets = latest.targets
    .map((t) => `| ${t.target} | ${t.measured} | ${t.limit} | ${t.met ? 'met' : '**not met**'} |`)
    .join('\n');
  const when = latest.scenarios
    ? ['| scenario | run at | load average (start → end) | flags |', '|---|---|---|---|', runs]
    : [
        `All scenarios ran at ${machine.date.slice(0, 16).replace('T', ' ')} UTC, load average ${machine.loadAverageBefore} → ${machine.loadAverageAfter}.`,
      ];
  return [
    `Node ${machine.node}, ${machine.cpus} x ${machine.cpuModel} (${machine.platform}), shared with other work: the 1-minute load average during each scenario's run says how much.`,
    '',
    ...when,
    '',
    markdownReport(reports),
    '',
    'Targets, checked against the numbers above (`npm run bench` prints the same list):',
    '',
    '| target | measured | required | |',
    '|---|---:|---|---|',
    targets,
  ].join('\n');
}
