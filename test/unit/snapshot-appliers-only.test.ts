import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  ConcurrencyRetryInterceptor,
  EventType,
  Handles,
  InMemoryEventStore,
  SnapshotStore,
  snapshotStreamName,
  type LogFields,
} from 'mneme';
import { CommandRouter } from '../../src/commands/command-router.js';
import { collect } from '../support/collect.js';

@EventType('AppliersOnly.Stamped')
class Stamped {
  constructor(readonly by = '') {}
}

class Stamp {
  @AggregateId() id: string;
  constructor(
    id: string,
    readonly by: string,
  ) {
    this.id = id;
  }
}

@Aggregate({ category: 'AppliersOnly', snapshot: { every: 1, version: 1 } })
class Passport extends AggregateRoot {
  stamps: string[] = [];
  /** Changed by the handler, outside any applier: a full replay always gives 0. */
  handlerCalls = 0;
  @Handles(Stamp) stamp(command: Stamp) {
    this.handlerCalls++;
    return new Stamped(command.by);
  }
  @Apply(Stamped) onStamped(event: Stamped) {
    this.stamps.push(event.by);
  }
}

function app(store: InMemoryEventStore, cache: boolean) {
  const warnings: { message: string; fields?: LogFields }[] = [];
  const repository = new AggregateRepository(store, {
    cache: cache ? {} : false,
    logger: { warn: (message, fields) => warnings.push({ message, fields }) },
  });
  const bus = new CommandBus(repository, new CommandRouter([Passport]), [new ConcurrencyRetryInterceptor()]);
  return { bus, repository, warnings };
}

const plainReplay = (store: InMemoryEventStore, id: string) =>
  new AggregateRepository(store, { cache: false, snapshots: false }).load(Passport, id);
const companion = (id: string) => snapshotStreamName('AppliersOnly', id);

describe('a snapshot is the result of appliers only', () => {
  it.each([
    ['with the aggregate cache', true],
    ['without the aggregate cache', false],
  ])(
    '%s, a field a handler changed outside an applier reaches neither the snapshot nor what is loaded',
    async (_label, cache) => {
      const store = new InMemoryEventStore();
      const { bus, repository } = app(store, cache);
      for (const by of ['Lisbon', 'Oslo', 'Quito']) await bus.execute(new Stamp('p-1', by));
      const snapshot = await new SnapshotStore(store).readLatest(companion('p-1'));
      expect(snapshot).toMatchObject({ revision: 2n, state: { stamps: ['Lisbon', 'Oslo', 'Quito'], handlerCalls: 0 } });
      const reference = await plainReplay(store, 'p-1');
      expect(reference.handlerCalls).toBe(0);
      for (const loaded of [
        await repository.load(Passport, 'p-1'),
        await app(store, cache).repository.load(Passport, 'p-1'),
      ]) {
        expect({ stamps: loaded.stamps, handlerCalls: loaded.handlerCalls }).toEqual({
          stamps: reference.stamps,
          handlerCalls: 0,
        });
      }
    },
  );
});

describe('a snapshot that cannot be trusted is refused with a warning, and the aggregate replayed', () => {
  async function storeWithStamps(): Promise<InMemoryEventStore> {
    const store = new InMemoryEventStore();
    const writer = new AggregateRepository(store, { snapshots: false });
    const passport = await writer.load(Passport, 'p-1');
    passport.raise(new Stamped('Lisbon'));
    passport.raise(new Stamped('Oslo'));
    await writer.save(passport);
    return store;
  }

  it('one that names no event id (it cannot prove which event it covers)', async () => {
    const store = await storeWithStamps();
    await new SnapshotStore(store).write(companion('p-1'), {
      aggregateType: 'Passport',
      version: 1,
      revision: 1n,
      state: { stamps: ['forged'], handlerCalls: 7 },
    });
    const { repository, warnings } = app(store, false);
    const loaded = await repository.load(Passport, 'p-1');
    expect({ stamps: loaded.stamps, handlerCalls: loaded.handlerCalls }).toEqual({
      stamps: ['Lisbon', 'Oslo'],
      handlerCalls: 0,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/no event id/);
    expect(warnings[0]!.fields).toMatchObject({
      code: 'MNEME_UNREADABLE_SNAPSHOT',
      aggregateType: 'Passport',
      aggregateId: 'p-1',
    });
  });

  it.each([
    ['a string where the class starts with an array', { stamps: 'Lisbon,Oslo', handlerCalls: 0 }],
    ['an object where the class starts with a number', { stamps: ['Lisbon', 'Oslo'], handlerCalls: { n: 1 } }],
  ])('one whose state does not fit the class (%s)', async (_label, state) => {
    const store = await storeWithStamps();
    const covered = (await collect(store.readStream('AppliersOnly-p-1')))[1]!;
    await new SnapshotStore(store).write(companion('p-1'), {
      aggregateType: 'Passport',
      version: 1,
      revision: 1n,
      eventId: covered.id,
      state,
    });
    const { repository, warnings } = app(store, true);
    const loaded = await repository.load(Passport, 'p-1');
    expect({ stamps: loaded.stamps, handlerCalls: loaded.handlerCalls }).toEqual({
      stamps: ['Lisbon', 'Oslo'],
      handlerCalls: 0,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/cannot be restored as Passport/);
  });

  it('a good snapshot is still used', async () => {
    const store = await storeWithStamps();
    const covered = (await collect(store.readStream('AppliersOnly-p-1')))[1]!;
    await new SnapshotStore(store).write(companion('p-1'), {
      aggregateType: 'Passport',
      version: 1,
      revision: 1n,
      eventId: covered.id,
      state: { stamps: ['from the snapshot'], handlerCalls: 0 },
    });
    const { repository, warnings } = app(store, false);
    expect((await repository.load(Passport, 'p-1')).stamps).toEqual(['from the snapshot']);
    expect(warnings).toEqual([]);
  });
});
