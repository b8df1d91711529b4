/**
 * `npm run bench:profile -- <replay|commands|contention>`: runs only Mneme's side of a scenario under
 * the V8 CPU profiler (in process, through node:inspector), writes bench/results/<name>.cpuprofile
 * (open it in Chrome DevTools or VS Code) and prints where the time went: by function and by module.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Container } from 'inversify';
import { AggregateRepository, CommandBus, InMemoryEventStore, mnemeModule } from 'mneme';
import { BankAccount, Deposit, OpenAccount, Withdraw } from '../examples/bank-account/domain.js';
import { accountHistory } from './account-events.js';

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
    for (let i = 0; i < history.length; i += 1000) await store.appendToStream('BankAccount-replay', history.slice(i, i + 1000));
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
        for (let k = 0; k < 200; k++) await bus.execute(k % 2 === 0 ? new Deposit('hot', 2) : new Withdraw('hot', 1)).catch(() => undefined);
      }),
    );
  },
};

/** Self time by function and by module (a file of ours, or a package), largest first. */
function summarize(profile: Profile, top = 25): string {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const { callFrame } = nodes.get(id)!;
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const url = callFrame.url.replace(/^file:\/\//, '');
    const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
    const module = pkg ?? (url.includes('/dist/') ? url.slice(url.indexOf('/dist/') + 6) : url || callFrame.functionName);
    const fn = `${callFrame.functionName || '(anonymous)'}  ${module}${pkg ? '' : `:${callFrame.lineNumber + 1}`}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    byModule.set(module, (byModule.get(module) ?? 0) + micros);
  });
  const table = (title: string, map: Map<string, number>) =>
    [title, ...[...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, micros]) => `  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`)].join('\n');
  return `${table('Self time by function', byFunction)}\n\n${table('Self time by module', byModule)}\n\nTotal ${(total / 1000).toFixed(0)} ms`;
}

const name = process.argv[2] ?? '';
const workload = workloads[name];
if (!workload) throw new Error(`Profile which? ${Object.keys(workloads).join(', ')}`);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
await workload();
const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
session.disconnect();
const dir = new URL('../../bench/results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL(`${name}.cpuprofile`, dir), JSON.stringify(profile));
console.log(`${summarize(profile)}\n\nWrote bench/results/${name}.cpuprofile`);
