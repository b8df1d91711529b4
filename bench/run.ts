/**
 * `npm run bench [-- --quick] [-- --only=replay,commands,cold-commands,startup,contention,kurrent,memory,snapshots,decisions,competing]
 * [-- --forced-gc] [-- --no-gc]`: Mneme next to
 * baselines that share no code with it (hand-written, Emmett, @nestjs/cqrs, the raw Kurrent client),
 * alternating in one process. Prints a table per scenario and the targets; a full run writes
 * bench/results/latest.json, latest.md and bench/README.md's results section; a run with --only
 * updates the scenarios it ran in them; a --quick run writes bench/results/partial.json only.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { recordRun } from './latest.js';
import { formatReport, round, type ScenarioReport } from './results.js';
import { coldCommandsScenario } from './scenarios/cold-commands.js';
import { commandsScenario } from './scenarios/commands.js';
import { contentionScenario } from './scenarios/contention.js';
import { competingScenarios } from './scenarios/competing.js';
import { decisionsScenario } from './scenarios/decisions.js';
import { kurrentScenarios } from './scenarios/kurrent.js';
import { memoryScenario } from './scenarios/memory.js';
import { replayScenario } from './scenarios/replay.js';
import { snapshotScenario } from './scenarios/snapshots.js';
import { startupScenarios } from './scenarios/startup.js';
import { benchSettings } from './settings.js';
import { checkTargets, formatTargets } from './targets.js';

const settings = benchSettings(process.argv.slice(2));
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : undefined;

const scenarios: [string, () => Promise<ScenarioReport | ScenarioReport[]>][] = [
  ['replay', () => replayScenario(settings)],
  ['commands', () => commandsScenario(settings)],
  ['cold-commands', () => coldCommandsScenario(settings)],
  ['startup', () => startupScenarios(settings)],
  ['contention', () => contentionScenario(settings)],
  ['kurrent', () => kurrentScenarios(settings)],
  ['memory', () => memoryScenario(settings)],
  ['snapshots', () => snapshotScenario(settings)],
  ['decisions', () => decisionsScenario(settings)],
  ['competing', () => competingScenarios(settings)],
];
if (only) {
  const unknown = [...only].filter((name) => !scenarios.some(([n]) => n === name));
  if (unknown.length > 0)
    throw new Error(`Unknown scenario(s) ${unknown.join(', ')}; choose from ${scenarios.map(([n]) => n).join(', ')}`);
}

const machine = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  platform: `${process.platform} ${process.arch}`,
  gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  /** --forced-gc: the sequential-command scenarios also collect garbage before each timed run; --no-gc: no scenario does. */
  gcBeforeCommandRuns: process.argv.includes('--forced-gc') && !process.argv.includes('--no-gc'),
  quick: settings.quick,
  /** Other processes share the cores: the 1-minute load average before and after says how much. */
  loadAverageBefore: round(loadavg()[0]!, 2),
  loadAverageAfter: 0,
};
console.log(
  `Mneme benchmarks: Node ${machine.node}, ${machine.cpus} x ${machine.cpuModel}, load average ${machine.loadAverageBefore}, ${machine.date}${settings.quick ? ', --quick' : ''}`,
);
if (!machine.gcExposed)
  console.log('(run with node --expose-gc, as npm run bench does, to collect garbage between variants)');
console.log(
  'Ratios are time over the reference (2 = twice as slow); each block alternates its variants in one process.\n',
);

const reports: ScenarioReport[] = [];
const started = performance.now();
for (const [name, run] of scenarios) {
  if (only && !only.has(name)) continue;
  const began = performance.now();
  const produced = await run();
  for (const report of Array.isArray(produced) ? produced : [produced]) {
    reports.push(report);
    console.log(`${formatReport(report)}\n`);
  }
  console.log(`  (${name}: ${((performance.now() - began) / 1000).toFixed(1)} s)\n`);
}
machine.loadAverageAfter = round(loadavg()[0]!, 2);
const targets = checkTargets(reports);
console.log(formatTargets(targets));
console.log(
  `\nTotal: ${((performance.now() - started) / 1000).toFixed(1)} s; load average now ${machine.loadAverageAfter}`,
);

const resultsDir = new URL('../../bench/results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
const full = !only && !settings.quick;
if (settings.quick) {
  writeFileSync(
    new URL('partial.json', resultsDir),
    `${JSON.stringify({ machine, settings, results: reports.flatMap((r) => r.entries), targets }, null, 2)}\n`,
  );
  console.log('Wrote bench/results/partial.json (a --quick run does not touch latest.json)');
} else {
  // A full run replaces latest.json; --only replaces the scenarios it ran and keeps the others.
  recordRun(reports, machine, settings, full);
  console.log(
    `Wrote bench/results/latest.json (${full ? 'all scenarios' : `scenarios ${[...only!].join(', ')}`}), latest.md and bench/README.md's results`,
  );
}
