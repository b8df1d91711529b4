/**
 * `tsc -p tsconfig.run.json && node build/bench/micro-cold-path.js`: two functions of a cold
 * command, each beside the code it replaced, alternated in one process (CPU time, medians of 8
 * rounds): the copy of a cached aggregate of primitive fields (spread + `for...in` + `Object.keys`,
 * against `Object.keys` once), and the latest snapshot's lookup on the in-memory store (through
 * `readStream`'s async generator, against `readRecords` by pages), half the streams holding one event.
 */
import 'reflect-metadata';
import { InMemoryEventStore, type RecordedEvent } from 'mneme';
import { readRecords } from '../src/aggregate/replay.js';
import { median } from './harness.js';

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Private fields as AggregateRoot has (spread and `Object.keys` see only the public ones). */
class Root {
  #id: string | undefined;
  #revision = -1n;
  readonly #pending: object[] = [];
  readonly #pendingData: object[] = [];
  #origin: object | undefined = undefined;
  get internals(): unknown[] {
    return [this.#id, this.#revision, this.#pending, this.#pendingData, this.#origin];
  }
}
/** A state shaped like BankAccount's. */
class Account extends Root {
  opened = true;
  closed = false;
  owner = 'Ada';
  balance = 10;
}
type Fields = Record<string, unknown>;
const isReference = (value: unknown) => (typeof value === 'object' && value !== null) || typeof value === 'function';

function copyBySpread(aggregate: Account): Account {
  const own = { ...aggregate } as Fields;
  let fields = own;
  for (const key in own) {
    if (isReference(own[key])) {
      fields = structuredClone(own);
      break;
    }
  }
  const copy = new Account() as unknown as Fields;
  for (const key of Object.keys(fields)) copy[key] = fields[key];
  return copy as unknown as Account;
}

function copyByKeys(aggregate: Account): Account {
  const source = aggregate as unknown as Fields;
  let keys = Object.keys(source);
  let fields = source;
  for (const key of keys) {
    if (isReference(source[key])) {
      fields = structuredClone({ ...source });
      keys = Object.keys(fields);
      break;
    }
  }
  const copy = new Account() as unknown as Fields;
  for (const key of keys) copy[key] = fields[key];
  return copy as unknown as Account;
}

const store = new InMemoryEventStore();
for (let n = 0; n < 500; n++) await store.appendToStream(`S_snapshot-${n}`, [{ type: 'x', data: { n } }]);

async function latestByGenerator(name: string): Promise<RecordedEvent | undefined> {
  for await (const recorded of store.readStream(name, { direction: 'backwards', maxCount: 1 })) return recorded;
  return undefined;
}
async function latestByPages(name: string): Promise<RecordedEvent | undefined> {
  let latest: RecordedEvent | undefined;
  await readRecords(store, name, (recorded) => void (latest ??= recorded), { direction: 'backwards', maxCount: 1 });
  return latest;
}

const account = new Account();
let sink = 0;
const COPIES = 200_000;
const LOOKUPS = 20_000;
const variants: Record<string, () => Promise<number>> = {
  'copy: spread (before)': async () => {
    for (let i = 0; i < COPIES; i++) sink += copyBySpread(account).balance;
    return COPIES;
  },
  'copy: Object.keys (now)': async () => {
    for (let i = 0; i < COPIES; i++) sink += copyByKeys(account).balance;
    return COPIES;
  },
  'snapshot lookup: async generator (before)': async () => {
    for (let i = 0; i < LOOKUPS; i++) sink += (await latestByGenerator(`S_snapshot-${i % 1000}`)) ? 1 : 0;
    return LOOKUPS;
  },
  'snapshot lookup: pages (now)': async () => {
    for (let i = 0; i < LOOKUPS; i++) sink += (await latestByPages(`S_snapshot-${i % 1000}`)) ? 1 : 0;
    return LOOKUPS;
  },
};
const names = Object.keys(variants);
const times = new Map<string, number[]>(names.map((name) => [name, []]));
for (let round = 0; round < 9; round++) {
  for (let j = 0; j < names.length; j++) {
    const name = names[(round + j) % names.length]!;
    const start = cpuMs();
    const count = await variants[name]!();
    if (round > 0) times.get(name)!.push(((cpuMs() - start) * 1e6) / count); // round 0: JIT warm-up
  }
}
for (const [name, list] of times) console.log(`${name.padEnd(44)} ${median(list).toFixed(0).padStart(6)} ns`);
if (sink < 0) console.log(sink);
