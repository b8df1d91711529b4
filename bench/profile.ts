/**
 * `npm run bench:profile -- <replay|commands|cold|contention> [--alloc] [--no-cache] [--no-queue] [--label=before|after]`: runs only Mneme's side of a
 * scenario under the V8 CPU profiler (in process, through node:inspector), writes
 * bench/results/<name>.cpuprofile (open it in Chrome DevTools or VS Code) and prints where the time
 * went: by function, by module and by stage of a command (load, replay, handler, serialize, stamp
 * ids, append, queue, telemetry, GC). With `--alloc`, V8's sampling heap profiler runs too and
 * prints the bytes allocated by function (bench/results/<name>.heapprofile). With `--label`, the
 * stage table is also recorded in bench/results/profile-<name>-<label>.json (bench/profile-record.ts),
 * from which bench/README.md's breakdown of one cold command is generated.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Container } from 'inversify';
import { AggregateRepository, CommandBus, InMemoryEventStore, mnemeModule } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../examples/bank-account/domain.js';
import { accountHistory } from './account-events.js';
import { recordProfile } from './profile-record.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const workloads: Record<string, () => Promise<void>> = {
  /** 100 loads of a 10,000-event stream. */
  async replay() {
    const store = new InMemoryEventStore();
    const history = accountHistory('replay', 10_000);
    for (let i = 0; i < history.length; i += 1000)
      await store.appendToStream('BankAccount-replay', history.slice(i, i + 1000));
    const repository = new AggregateRepository(store);
    for (let i = 0; i < 100; i++) await repository.load(BankAccount, 'replay');
  },
  /** 10,000 sequential commands over 1,000 accounts through the bus with defaults. */
  async commands() {
    const container = new Container();
    container.load(mnemeModule({ aggregates: [BankAccount] }));
    const bus = container.get(CommandBus);
    for (let n = 0; n < 1000; n++) await bus.execute(new OpenAccount(`account-${n}`, 'Ada'));
    for (let i = 0; i < 10_000; i++) {
      const id = `account-${i % 1000}`;
      await bus.execute(Math.floor(i / 1000) % 2 === 0 ? new Deposit(id, 2) : new Withdraw(id, 1));
    }
  },
  /**
   * The cold-stream scenario: 1,000 accounts whose streams were written straight into the store
   * (by another instance), 10 commands each, round robin, on a fresh container and store; three
   * runs, the first untimed (JIT warm-up, as the bench's untimed run).
   */
  async cold() {
    for (let run = 0; run < 3; run++) {
      const eventStore = new InMemoryEventStore();
      for (let n = 0; n < 1000; n++) {
        await eventStore.appendToStream(`BankAccount-account-${n}`, [
          { type: 'BankAccount.Opened', data: { accountId: `account-${n}`, owner: 'Ada' } },
        ]);
      }
      const container = new Container();
      container.load(
        mnemeModule({
          aggregates: [BankAccount],
          eventStore,
          ...(process.argv.includes('--no-cache') ? { aggregateCache: false as const } : {}),
          ...(process.argv.includes('--no-queue') ? { inProcessStreamQueue: false } : {}),
        }),
      );
      const bus = container.get(CommandBus);
      if (run === 1) await startProfiling();
      if (run >= 1) commandsProfiled += 10_000;
      for (let i = 0; i < 10_000; i++) {
        const id = `account-${i % 1000}`;
        await bus.execute(Math.floor(i / 1000) % 2 === 0 ? new Deposit(id, 2) : new Withdraw(id, 1));
      }
    }
  },
  /** 8 containers on one store, 8 clients x 200 commands on one account. */
  async contention() {
    const store = new InMemoryEventStore();
    const buses: CommandBus[] = [];
    for (let i = 0; i < 8; i++) {
      const container = new Container();
      container.load(mnemeModule({ aggregates: [BankAccount], eventStore: store }));
      buses.push(container.get(CommandBus));
    }
    await buses[0]!.execute(new OpenAccount('hot', 'Ada'));
    await Promise.all(
      buses.map(async (bus) => {
        for (let k = 0; k < 200; k++)
          await bus.execute(k % 2 === 0 ? new Deposit('hot', 2) : new Withdraw('hot', 1)).catch(() => undefined);
      }),
    );
  },
};

/** Stage of a command each of our files (or a package) belongs to, for the breakdown by stage. */
const STAGES: [RegExp, string][] = [
  [/^dispatch$|node:inspector/, '(the profiler itself: left out of the shares)'],
  [/\(garbage collector\)/, 'GC'],
  [
    /store\/in-memory-event-store|store\/frozen-records|store\/event-validation|store\/expected-revision|store\/json-check/,
    'store (read + append)',
  ],
  [/aggregate\/replay|aggregate\/aggregate-root|decorators\//, 'replay (fold)'],
  [/events\/|class-transformer/, 'serialize / deserialize'],
  [/command-stamp|node:crypto|\buuid\b/, 'stamp ids'],
  [/repository\/|snapshots\//, 'load / save (repository, cache, snapshots)'], // command-stamp is matched above
  [/stream-queue|concurrency-retry|retry-loop/, 'queue + retry'],
  [/telemetry\/|@opentelemetry/, 'telemetry'],
  [/command-bus|command-router|command-options|option-checks/, 'bus (route, stamp options, dispatch)'],
  [/examples\//, 'handler (domain code)'],
  [/bench\/|mitata/, 'bench loop'],
];

function stageOf(module: string): string {
  for (const [pattern, stage] of STAGES) if (pattern.test(module)) return stage;
  return module.startsWith('(') ? module : 'other (Node, V8 builtins)';
}

/** Self time by function and by module (a file of ours, or a package), largest first. */
function summarize(profile: Profile, top = 25): string {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const byStage = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const { callFrame } = nodes.get(id)!;
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const url = callFrame.url.replace(/^file:\/\//, '');
    const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
    const root = url.includes('/build/') ? '/build/' : '/dist/';
    const module =
      pkg ?? (url.includes(root) ? url.slice(url.indexOf(root) + root.length) : url || callFrame.functionName);
    const fn = `${callFrame.functionName || '(anonymous)'}  ${module}${pkg ? '' : `:${callFrame.lineNumber + 1}`}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    byModule.set(module, (byModule.get(module) ?? 0) + micros);
    const stage = stageOf(module);
    byStage.set(stage, (byStage.get(stage) ?? 0) + micros);
  });
  const profiler = byStage.get('(the profiler itself: left out of the shares)') ?? 0;
  total -= profiler;
  stagesPerCommand = Object.fromEntries(
    [...byStage]
      .filter(([stage]) => !stage.startsWith('(the profiler') && stage !== '(idle)' && stage !== 'bench loop')
      .map(([stage, micros]) => [stage, micros / Math.max(1, commandsProfiled)]),
  );
  const perCommand =
    commandsProfiled > 0
      ? (micros: number) => `  ${(micros / commandsProfiled).toFixed(2).padStart(6)} µs/command`
      : () => '';
  const table = (title: string, map: Map<string, number>) =>
    [
      title,
      ...[...map]
        .filter(([name]) => !name.startsWith('(the profiler') && !name.startsWith('dispatch  dispatch'))
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(
          ([name, micros]) =>
            `  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms${perCommand(micros)}  ${name}`,
        ),
    ].join('\n');
  return `${table('Self time by function', byFunction)}\n\n${table('Self time by module', byModule)}\n\n${table('Self time by stage', byStage)}\n\nTotal ${(total / 1000).toFixed(0)} ms${perCommand(total)} (the profiler's own ${(profiler / 1000).toFixed(0)} ms left out)`;
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Every byte the heap profile counted. */
function totalBytes(node: HeapNode): number {
  let total = node.selfSize;
  for (const child of node.children) total += totalBytes(child);
  return total;
}

/** Bytes allocated (sampled) by function, largest first. */
function summarizeAllocations(head: HeapNode, top = 20): string {
  const byFunction = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode) => {
    const url = node.callFrame.url.replace(/^file:\/\//, '');
    const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
    const module = pkg ?? (url.includes('/build/') ? url.slice(url.indexOf('/build/') + 7) : url || '(native)');
    const fn = `${node.callFrame.functionName || '(anonymous)'}  ${module}${pkg ? '' : `:${node.callFrame.lineNumber + 1}`}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) visit(child);
  };
  visit(head);
  return [
    'Allocated (sampled) by function',
    ...[...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([fn, bytes]) =>
          `  ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${(bytes / 1e6).toFixed(1).padStart(7)} MB  ${fn}`,
      ),
    `Total ${(total / 1e6).toFixed(1)} MB`,
  ].join('\n');
}

const name = process.argv[2] ?? '';
const allocations = process.argv.includes('--alloc');
const workload = workloads[name];
if (!workload) throw new Error(`Profile which? ${Object.keys(workloads).join(', ')}`);
const session = new Session();
session.connect();
let profiling = false;
/** Commands run while profiling, where a workload counts them: the stage table then also gives µs per command. */
let commandsProfiled = 0;
/** The stage table per command, for `--label`. */
let stagesPerCommand: Record<string, number> = {};
/** Starts the profilers (a workload may call it itself after an untimed warm-up). */
async function startProfiling(): Promise<void> {
  if (profiling) return;
  profiling = true;
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  if (allocations)
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  await session.post('Profiler.start');
}
if (name !== 'cold') await startProfiling();
await workload();
const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
const heap = allocations
  ? ((await session.post('HeapProfiler.stopSampling')) as { profile: { head: HeapNode } }).profile
  : undefined;
session.disconnect();
const dir = new URL('../../bench/results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL(`${name}.cpuprofile`, dir), JSON.stringify(profile));
if (heap) writeFileSync(new URL(`${name}.heapprofile`, dir), JSON.stringify(heap));
const summary = summarize(profile);
const allocatedBytes = heap ? totalBytes(heap.head) : undefined;
const label = process.argv.find((a) => a.startsWith('--label='))?.slice('--label='.length);
if (label && commandsProfiled > 0) {
  recordProfile(name, label, {
    commands: commandsProfiled,
    stages: stagesPerCommand,
    ...(allocatedBytes === undefined ? {} : { allocatedBytesPerCommand: allocatedBytes / commandsProfiled }),
  });
}
console.log(
  `${summary}${heap ? `\n\n${summarizeAllocations(heap.head)}` : ''}\n\nWrote bench/results/${name}.cpuprofile${heap ? ' and .heapprofile' : ''}`,
);
