import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { AggregateRepository, CommandBus, DomainError, InMemoryEventStore, mnemeModule } from 'mneme';
import { BankAccount, Deposit, OpenAccount, MoneyReceived, MoneySent } from '../../examples/bank-account/domain.js';
import { AtomicTransfers, TransferMoney } from '../../examples/bank-account/atomic-transfers.js';
import { Registrations, RegisterUser, User, Username, UsernameTaken } from '../support/usernames.js';
import { collect } from '../support/collect.js';
import { pick, seededRandom } from '../support/prng.js';

const INSTANCES = 8;

/** Separate containers on one store: eight processes, in effect, whose commands really race. */
function instances(store: InMemoryEventStore, deciders: Function[], aggregateCache?: false) {
  return Array.from({ length: INSTANCES }, () => {
    const container = new Container();
    container.load(
      mnemeModule({
        aggregates: [BankAccount],
        deciders: deciders as never,
        eventStore: store,
        ...(aggregateCache === false ? { aggregateCache } : {}),
      }),
    );
    return { bus: container.get(CommandBus), repository: container.get(AggregateRepository) };
  });
}

describe('decisions across aggregates under concurrency', () => {
  for (const aggregateCache of [undefined, false] as const) {
    it(`keeps money whole over random concurrent transfers among 10 accounts from 8 instances (cache ${aggregateCache === false ? 'off' : 'on'})`, async () => {
      const seed = 0x5eed + (aggregateCache === false ? 1 : 0);
      const random = seededRandom(seed);
      const store = new InMemoryEventStore();
      const apps = instances(store, [AtomicTransfers], aggregateCache);
      const accounts = Array.from({ length: 10 }, (_, i) => `acc${i}`);
      for (const id of accounts) {
        await apps[0]!.bus.execute(new OpenAccount(id, id));
        await apps[0]!.bus.execute(new Deposit(id, 100));
      }
      const attempts: number[] = [];
      let rejected = 0;
      const failures: unknown[] = [];
      await Promise.all(
        apps.map(async ({ bus }, app) => {
          // Each instance keeps 4 transfers in flight at a time, 40 in all.
          await Promise.all(
            Array.from({ length: 4 }, async (_, lane) => {
              for (let i = 0; i < 10; i++) {
                const from = pick(random, accounts);
                const to = pick(
                  random,
                  accounts.filter((id) => id !== from),
                );
                const amount = 1 + Math.floor(random() * 60);
                try {
                  attempts.push(
                    (await bus.execute(new TransferMoney(`t-${app}-${lane}-${i}`, from, to, amount))).attempts,
                  );
                } catch (error) {
                  if (DomainError.is(error)) rejected++;
                  else failures.push(error);
                }
              }
            }),
          );
        }),
      );
      expect(failures).toEqual([]);
      expect(attempts.length + rejected).toBe(INSTANCES * 40);
      expect(attempts.length).toBeGreaterThan(0);
      // Real races happened: some commands lost one and were retried.
      expect(attempts.some((n) => n > 1)).toBe(true);

      const repository = new AggregateRepository(store, { cache: false });
      const balances = await Promise.all(accounts.map(async (id) => (await repository.load(BankAccount, id)).balance));
      expect(balances.reduce((sum, balance) => sum + balance, 0)).toBe(1000);
      expect(balances.every((balance) => balance >= 0)).toBe(true);
      // Every transfer is both halves or nothing, each half once.
      const halves = new Map<string, string[]>();
      for (const recorded of await collect(store.readAll())) {
        const data = recorded.data as { transferId?: string };
        if (recorded.type === 'BankAccount.MoneySent' || recorded.type === 'BankAccount.MoneyReceived') {
          halves.set(data.transferId!, [...(halves.get(data.transferId!) ?? []), recorded.type]);
        }
      }
      expect(halves.size).toBe(attempts.length);
      for (const kinds of halves.values())
        expect(kinds.sort()).toEqual(['BankAccount.MoneyReceived', 'BankAccount.MoneySent']);
      // Each instance's cache agrees with a full replay.
      for (const app of apps) {
        const cached = await Promise.all(
          accounts.map(async (id) => (await app.repository.loadForCommand(BankAccount, id, 'probe')).aggregate.balance),
        );
        expect(cached).toEqual(balances);
      }
    });
  }

  it('gives each name to exactly one of 8 instances racing to register it', async () => {
    const store = new InMemoryEventStore();
    const apps = Array.from({ length: INSTANCES }, () => {
      const container = new Container();
      container.load(mnemeModule({ deciders: [Registrations], eventStore: store }));
      return container.get(CommandBus);
    });
    const names = ['ada', 'grace', 'alan', 'edsger', 'barbara'];
    const outcomes = await Promise.all(
      names.flatMap((name) =>
        apps.map((bus, app) =>
          bus.execute(new RegisterUser(`${name}-user-${app}`, app % 2 ? name : name.toUpperCase())).then(
            (result) => ({ name, app, result }),
            (error: unknown) => ({ name, app, error }),
          ),
        ),
      ),
    );
    const failures = outcomes.filter((o) => 'error' in o && !UsernameTaken.is(o.error));
    expect(failures).toEqual([]);
    const repository = new AggregateRepository(store, { cache: false });
    for (const name of names) {
      const winners = outcomes.filter((o) => o.name === name && 'result' in o);
      expect(winners).toHaveLength(1);
      const owner = (await repository.load(Username, name)).owner;
      expect(owner).toBe(`${name}-user-${winners[0]!.app}`);
      // The losers' users were never created: no half-applied registration.
      for (let app = 0; app < INSTANCES; app++) {
        const user = await repository.load(User, `${name}-user-${app}`);
        expect(user.username === undefined).toBe(app !== winners[0]!.app);
      }
    }
  });

  it('writes a command re-sent by 8 instances at once exactly once, and answers every one with it', async () => {
    const store = new InMemoryEventStore();
    const apps = instances(store, [AtomicTransfers]);
    await apps[0]!.bus.execute(new OpenAccount('a', 'A'));
    await apps[0]!.bus.execute(new Deposit('a', 100));
    await apps[0]!.bus.execute(new OpenAccount('b', 'B'));
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(
        apps.map(({ bus }) =>
          bus.execute(new TransferMoney(`t${round}`, 'a', 'b', 10), { commandId: `transfer-${round}` }),
        ),
      );
      for (const result of results) {
        expect(result.streams!.from!.events).toEqual([new MoneySent('a', `t${round}`, 'b', 10)]);
        expect(result.streams!.to!.events).toEqual([new MoneyReceived('b', `t${round}`, 'a', 10)]);
      }
    }
    const repository = new AggregateRepository(store, { cache: false });
    expect((await repository.load(BankAccount, 'a')).balance).toBe(50);
    expect((await repository.load(BankAccount, 'b')).balance).toBe(50);
  });
});
