import type { Entry, ScenarioReport } from './results.js';
import * as cold from './scenarios/cold-commands.js';
import * as commands from './scenarios/commands.js';
import * as contention from './scenarios/contention.js';
import * as kurrent from './scenarios/kurrent.js';
import * as replay from './scenarios/replay.js';
import * as startup from './scenarios/startup.js';

/** One performance target, checked against this run's numbers. */
export interface TargetCheck {
  target: string;
  measured: string;
  limit: string;
  met: boolean;
}

function find(reports: readonly ScenarioReport[], scenario: string, variant: string): Entry | undefined {
  return reports.find((r) => r.scenario === scenario)?.entries.find((e) => e.variant === variant);
}

const x = (value: number) => `${value.toFixed(2)}x`;

/** Checks what this run measured; scenarios left out (--only) are skipped. */
export function checkTargets(reports: readonly ScenarioReport[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const mnemeReplay = find(reports, 'replay', replay.MNEME);
  if (mnemeReplay) {
    const vsEmmett = mnemeReplay.ratios[replay.EMMETT]!;
    const vsJson = mnemeReplay.ratios[replay.HAND_JSON]!;
    checks.push({
      target: '1. replay: Mneme time / Emmett aggregateStream',
      measured: x(vsEmmett),
      limit: '<= 1.00x',
      met: vsEmmett <= 1,
    });
    checks.push({
      target: '1. replay: Mneme time / JSON.parse + switch',
      measured: x(vsJson),
      limit: '<= 1.50x',
      met: vsJson <= 1.5,
    });
  }
  const mnemeCommands = find(reports, 'commands', commands.MNEME_DEFAULTS);
  if (mnemeCommands) {
    const speedup = 1 / mnemeCommands.ratios[commands.EMMETT]!;
    checks.push({
      target: '2. commands: Mneme (defaults) throughput / Emmett CommandHandler',
      measured: x(speedup),
      limit: '>= 2.00x',
      met: speedup >= 2,
    });
    // The OpenTelemetry hooks, on by default, cost next to nothing while no SDK is registered.
    const telemetryCost = mnemeCommands.ratios[commands.MNEME_TELEMETRY_OFF];
    if (telemetryCost !== undefined) {
      checks.push({
        target: '2. commands: telemetry on, no SDK / telemetry: false',
        measured: x(telemetryCost),
        limit: '<= 1.05x',
        met: telemetryCost <= 1.05,
      });
    }
  }
  // Ahead of Emmett when the cache can't help, and at start.
  if (mnemeCommands) {
    const warm = mnemeCommands.ratios[commands.EMMETT]!;
    checks.push({
      target: '2. warm commands: Mneme (defaults) time / Emmett',
      measured: x(warm),
      limit: '< 1.00x',
      met: warm < 1,
    });
  }
  const coldDefaults = find(reports, 'cold-commands', cold.MNEME_DEFAULTS);
  if (coldDefaults) {
    const ratio = coldDefaults.ratios[cold.EMMETT]!;
    checks.push({
      target: '2b. cold-stream commands: Mneme (defaults) time / Emmett',
      measured: x(ratio),
      limit: '<= 0.50x',
      met: ratio <= 0.5,
    });
  }
  const jit = find(reports, 'jit-cold', startup.MNEME_JIT);
  if (jit) {
    const ratio = jit.ratios[startup.EMMETT_JIT]!;
    checks.push({
      target: '2d. JIT-cold pass (fresh process): Mneme time / Emmett',
      measured: x(ratio),
      limit: '<= 1.50x',
      met: ratio <= 1.5,
    });
  }
  const first = find(reports, 'first-execute', startup.MNEME_FIRST);
  if (first) {
    const ratio = first.ratios[startup.EMMETT_FIRST]!;
    checks.push({
      target: '2c. start to first execute (fresh process): Mneme / Emmett',
      measured: x(ratio),
      limit: '<= 2.00x',
      met: ratio <= 2,
    });
  }
  const eight = find(reports, 'contention', contention.EIGHT);
  const hand = find(reports, 'contention', contention.HAND);
  if (eight && hand) {
    const ratio = eight.totalMs! / hand.totalMs!;
    checks.push({
      target: '3. contention, 8 containers: failed commands',
      measured: `${eight.failed}`,
      limit: '0',
      met: eight.failed === 0,
    });
    checks.push({
      target: '3. contention, 8 containers: total time / hand-written',
      measured: x(ratio),
      limit: '<= 3.00x',
      met: ratio <= 3,
    });
    checks.push({
      target: '3. contention, 8 containers: max latency',
      measured: `${eight.maxMs} ms`,
      limit: '< 100 ms',
      met: eight.maxMs! < 100,
    });
  }
  for (const [scenario, variant, limit, label] of [
    ['kurrent-appends', kurrent.STORE_APPENDS, 1.1, '4. Kurrent appends: KurrentEventStore / raw client'],
    ['kurrent-reads', kurrent.STORE_READ, 1.1, '4. Kurrent reads: KurrentEventStore / raw client'],
    ['kurrent-commands', kurrent.BUS_COMMAND, 1.2, '4. Kurrent command: CommandBus / raw read + append'],
  ] as const) {
    const entry = find(reports, scenario, variant);
    if (entry)
      checks.push({
        target: label,
        measured: x(entry.ratioToBaseline),
        limit: `<= ${x(limit)}`,
        met: entry.ratioToBaseline <= limit,
      });
  }
  const memory = reports.find((r) => r.scenario === 'memory')?.entries;
  if (memory && memory.length > 0) {
    const first = memory[0]!;
    const last = memory[memory.length - 1]!;
    // "Flat": the replay of the longest stream grows the heap no more than twice what the shortest does, plus 16 MB of GC slack.
    const bound = 2 * first.peakHeapGrowthMB! + 16;
    checks.push({
      target: `5. memory: heap growth replaying ${last.streamLength!.toLocaleString('en-US')} vs ${first.streamLength!.toLocaleString('en-US')} events`,
      measured: `${last.peakHeapGrowthMB} MB vs ${first.peakHeapGrowthMB} MB`,
      limit: `<= ${bound.toFixed(1)} MB`,
      met: last.peakHeapGrowthMB! <= bound,
    });
    const longest = Math.max(...memory.map((e) => e.maxTimerDelayMs!));
    checks.push({
      target: '5. memory: longest timer delay during a replay',
      measured: `${longest} ms`,
      limit: '< 100 ms',
      met: longest < 100,
    });
  }
  return checks;
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  const width = Math.max(...checks.map((c) => c.target.length));
  return [
    'Targets',
    ...checks.map(
      (c) => `  ${c.met ? 'met    ' : 'NOT met'}  ${c.target.padEnd(width)}  ${c.measured.padStart(18)}  (${c.limit})`,
    ),
  ].join('\n');
}
