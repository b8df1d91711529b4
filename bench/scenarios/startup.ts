import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MNEME_DEPENDENCIES } from '../fresh/dependencies.js';
import { median } from '../harness.js';
import { scenarioReport, type ScenarioReport } from '../results.js';
import type { BenchSettings } from '../settings.js';

export const EMMETT_FIRST = 'Emmett: import, first CommandHandler call';
export const MNEME_FIRST = 'Mneme: import, container, first bus.execute';
export const EMMETT_JIT = 'Emmett CommandHandler, JIT-cold pass';
export const MNEME_JIT = 'Mneme CommandBus (defaults), JIT-cold pass';
export const EMMETT_IMPORT = 'import @event-driven-io/emmett';
export const MNEME_IMPORT = 'import mneme';
export const MNEME_OWN = "mneme's own modules (dependencies loaded first)";
export const NODE_EMPTY = 'Node itself (an empty script)';

const CHILD = fileURLToPath(new URL('../fresh/child.js', import.meta.url));

/** One fresh process in `mode`; its JSON line. */
function child(mode: string): Record<string, number> {
  const result = spawnSync(process.execPath, [CHILD, mode], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0)
    throw new Error(`bench child '${mode}' failed (${result.status ?? result.signal}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

/** Runs every mode once per round, in rotating order (as the in-process scenarios alternate); medians by mode and field. */
function alternateChildren(modes: readonly string[], rounds: number): Map<string, Record<string, number>> {
  const samples = new Map<string, Record<string, number>[]>(modes.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) {
    const start = round % modes.length;
    for (const mode of [...modes.slice(start), ...modes.slice(0, start)]) samples.get(mode)!.push(child(mode));
  }
  return new Map(
    [...samples].map(([mode, list]) => [
      mode,
      Object.fromEntries(Object.keys(list[0]!).map((key) => [key, median(list.map((s) => s[key]!))])),
    ]),
  );
}

/**
 * Fresh processes: the first command after start (import, container, first `bus.execute` on the
 * in-memory store), a JIT-cold pass of 2,000 commands over 1,000 accounts, and what each piece of
 * the import costs on its own. Mneme and Emmett each in processes of their own.
 */
export async function startupScenarios(settings: BenchSettings): Promise<ScenarioReport[]> {
  const rounds = settings.quick ? 3 : 9;
  const importModes = [
    'empty',
    'import:mneme',
    'import:mneme-own',
    'import:@event-driven-io/emmett',
    ...MNEME_DEPENDENCIES.map((d) => `import:${d}`),
  ];
  const medians = alternateChildren(
    ['first-execute:mneme', 'first-execute:emmett', 'jit-cold:mneme', 'jit-cold:emmett', ...importModes],
    rounds,
  );
  const get = (mode: string, key: string) => medians.get(mode)![key]!;

  const firstExecute = scenarioReport(
    'first-execute',
    '2c. A fresh process: CPU time from its start to the first command on the in-memory store resolving',
    'start',
    1,
    new Map([
      [EMMETT_FIRST, get('first-execute:emmett', 'firstExecuteMs')],
      [MNEME_FIRST, get('first-execute:mneme', 'firstExecuteMs')],
      [NODE_EMPTY, get('empty', 'startMs')],
    ]),
    [EMMETT_FIRST],
  );
  const jitCold = scenarioReport(
    'jit-cold',
    '2d. A fresh process: 2,000 commands over 1,000 cold accounts in one pass (JIT-cold; CPU time)',
    'command',
    2000,
    new Map([
      [EMMETT_JIT, get('jit-cold:emmett', 'passMs')],
      [MNEME_JIT, get('jit-cold:mneme', 'passMs')],
    ]),
    [EMMETT_JIT],
  );
  const imports = scenarioReport(
    'import',
    '2e. What importing costs, each module alone in a fresh process (CPU time)',
    'import',
    1,
    new Map([
      [EMMETT_IMPORT, get('import:@event-driven-io/emmett', 'importMs')],
      [MNEME_IMPORT, get('import:mneme', 'importMs')],
      [MNEME_OWN, get('import:mneme-own', 'importMs')],
      ...MNEME_DEPENDENCIES.map((d): [string, number] => [`import ${d}`, get(`import:${d}`, 'importMs')]),
    ]),
    [EMMETT_IMPORT],
  );
  return [firstExecute, jitCold, imports];
}
