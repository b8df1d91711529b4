import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Exclude, Type, instanceToPlain } from 'class-transformer';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  EventType,
  Handles,
  SNAPSHOT_EVENT_TYPE,
  SNAPSHOTS_KEPT,
  SnapshotStore,
  Upcast,
  mnemeModule,
  snapshotStreamName,
  type EventStore,
  SilentLogger,
} from 'mneme';
import { collect } from '../support/collect.js';
import { CountingEventStore } from '../support/counting-event-store.js';

/** What a run needs: a store, whether it keeps only the latest snapshots, and how to release it. */
export interface SnapshotStoreUnderTest {
  store: EventStore;
  /** True when the store has `setStreamMaxCount` (KurrentDB): old snapshots are scavenged. */
  scavenges: boolean;
  close?: () => Promise<void>;
}

class Entry {
  @Type(() => Date) at: Date;
  constructor(
    readonly label: string,
    at: Date,
  ) {
    this.at = at;
  }
}

@EventType('SnapLedger.Opened')
class LedgerOpened {
  constructor(readonly at: string) {}
}

/** v1 had no label; v2 reads old postings as 'legacy'. */
@EventType('SnapLedger.Posted', { version: 2, aliases: ['OldLedger.Posted'] })
class Posted {
  @Upcast(1) static addLabel(data: { amount: number; at: string }) {
    return { ...data, label: 'legacy' };
  }
  constructor(
    readonly amount: number,
    readonly label: string,
    readonly at: string,
  ) {}
}

class Post {
  @AggregateId() ledgerId: string;
  constructor(
    ledgerId: string,
    readonly amount: number,
  ) {
    this.ledgerId = ledgerId;
  }
}

/** State with a nested class, Dates (with @Type) and an @Exclude()d field. */
@Aggregate({ category: 'SnapLedger', snapshot: { every: 5, version: 1 } })
class Ledger extends AggregateRoot {
  balance = 0;
  postings = 0;
  @Type(() => Date) openedAt?: Date;
  @Type(() => Entry) recent: Entry[] = [];
  /** Set by handlers only, never by appliers: not state, so not stored. */
  @Exclude() lastNote = '';

  @Handles(Post)
  post(cmd: Post) {
    this.lastNote = `posting ${cmd.amount}`;
    const at = new Date(Date.UTC(2024, 0, 1, 0, 0, this.postings)).toISOString();
    return this.revision < 0n
      ? [new LedgerOpened(at), new Posted(cmd.amount, 'first', at)]
      : [new Posted(cmd.amount, `#${this.postings}`, at)];
  }

  @Apply(LedgerOpened) onOpened(e: LedgerOpened) {
    this.openedAt = new Date(e.at);
  }
  @Apply(Posted) onPosted(e: Posted) {
    this.balance += e.amount;
    this.postings += 1;
    this.recent = [...this.recent.slice(-2), new Entry(e.label, new Date(e.at))];
  }
}

class Tick {
  @AggregateId() tallyId: string;
  constructor(tallyId: string) {
    this.tallyId = tallyId;
  }
}

@EventType('SnapTally.Ticked')
class Ticked {}

/** A `when` policy: a snapshot every second event. */
@Aggregate({ category: 'SnapTally', snapshot: { when: (_tally: Tally, since: number) => since >= 2, version: 1 } })
class Tally extends AggregateRoot {
  ticks = 0;
  @Handles(Tick) tick() {
    return new Ticked();
  }
  @Apply(Ticked) onTicked() {
    this.ticks += 1;
  }
}

class RecordingLogger extends SilentLogger {
  readonly warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  override warn(message: string, fields?: Record<string, unknown>): void {
    this.warnings.push({ message, ...(fields ? { fields } : {}) });
  }
}

/**
 * Snapshots and schema evolution on one store, written once and run against every store: the
 * companion streams, loading from a snapshot, the cases where a snapshot is ignored, failed writes,
 * and upcasting stored events. Stream names are unique per test, so a real server can run it too.
 */
export function describeSnapshotContract(name: string, open: () => Promise<SnapshotStoreUnderTest>): void {
  describe(`snapshots and schema evolution: ${name}`, () => {
    let subject: SnapshotStoreUnderTest;
    let store: CountingEventStore;
    let logger: RecordingLogger;
    let bus: CommandBus;
    let repository: AggregateRepository;
    let fullReplay: AggregateRepository;

    beforeAll(async () => {
      subject = await open();
    });
    afterAll(async () => {
      await subject?.close?.();
    });
    beforeEach(async () => {
      store = new CountingEventStore(subject.store);
      logger = new RecordingLogger();
      const container = new Container();
      container.load(mnemeModule({ aggregates: [Ledger, Tally], eventStore: store, logger }));
      bus = container.get(CommandBus);
      repository = container.get(AggregateRepository);
      fullReplay = new AggregateRepository(store, { snapshots: false });
    });

    const post = async (id: string, times: number) => {
      for (let i = 0; i < times; i++) await bus.execute(new Post(id, i + 1));
    };
    /** The stream's first event, read on stores whose streams can be truncated. */
    const firstEventCheck = () => (subject.store.appendOnly ? 0 : 1);
    const snapshotsOf = (id: string) => collect(subject.store.readStream(snapshotStreamName('SnapLedger', id)));
    const stateOf = (ledger: Ledger) => ({
      plain: instanceToPlain(ledger),
      version: ledger.revision,
      id: ledger.id,
      ledger,
    });

    it('writes the state to <category>_snapshot-<id>, its own category, after the save that crosses the threshold', async () => {
      const id = randomUUID();
      await post(id, 3); // revisions 0..3: four events
      expect(await snapshotsOf(id)).toEqual([]);
      await post(id, 1); // revision 4: five events since no snapshot
      const companion = snapshotStreamName('SnapLedger', id);
      expect(companion).toBe(`SnapLedger_snapshot-${id}`);
      expect(companion.split('-')[0]).not.toBe('SnapLedger');
      const [snapshot, ...others] = await snapshotsOf(id);
      expect(others).toEqual([]);
      const [fifth] = await collect(subject.store.readStream(`SnapLedger-${id}`, { fromRevision: 4n }));
      expect(snapshot).toMatchObject({
        type: SNAPSHOT_EVENT_TYPE,
        data: {
          aggregateType: 'Ledger',
          version: 1,
          revision: '4',
          eventId: fifth!.id,
          state: { balance: 7, postings: 4 },
        },
      });
      const state = (snapshot!.data as { state: Record<string, unknown> }).state;
      expect(state).not.toHaveProperty('lastNote');
      expect(state.openedAt).toBe('2024-01-01T00:00:00.000Z');
    });

    it('loads from the latest snapshot, reading only the events after it, to the same state as a full replay', async () => {
      const id = randomUUID();
      await post(id, 8); // revisions 0..8, snapshot at 4
      store.resetCounts();
      const loaded = await repository.load(Ledger, id);
      // The covered event (checked, not applied) and the four after it; where streams can be
      // truncated, the stream's first event too (checked: the state's history is all still there).
      expect(store.readsOf(`SnapLedger-${id}`)).toBe(5 + firstEventCheck());
      expect(store.readsOf(snapshotStreamName('SnapLedger', id))).toBe(1);
      const replayed = await fullReplay.load(Ledger, id);
      expect(store.readsOf(`SnapLedger-${id}`)).toBe(5 + firstEventCheck() + 9);
      expect(stateOf(loaded)).toEqual(stateOf(replayed));
      expect(loaded.recent[0]).toBeInstanceOf(Entry);
      expect(loaded.recent[0]!.at).toBeInstanceOf(Date);
      expect(loaded.revision).toBe(8n);
      expect(logger.warnings).toEqual([]);
    });

    it('takes the next snapshot after the next threshold and loads from it', async () => {
      const id = randomUUID();
      await post(id, 9); // revisions 0..9: snapshots at 4 and 9
      expect((await snapshotsOf(id)).map((e) => (e.data as { revision: string }).revision)).toEqual(['4', '9']);
      store.resetCounts();
      const loaded = await repository.load(Ledger, id);
      expect(store.readsOf(`SnapLedger-${id}`)).toBe(1 + firstEventCheck());
      expect(loaded.balance).toBe((await fullReplay.load(Ledger, id)).balance);
    });

    it('ignores a snapshot of another state version and replays in full, without a warning', async () => {
      const id = randomUUID();
      await post(id, 4); // snapshot at 4 (version 1)
      await new SnapshotStore(subject.store).write(snapshotStreamName('SnapLedger', id), {
        aggregateType: 'Ledger',
        version: 2,
        revision: 4n,
        state: { balance: 1_000_000 },
      });
      store.resetCounts();
      const loaded = await repository.load(Ledger, id);
      expect(store.readsOf(`SnapLedger-${id}`)).toBe(5);
      expect(loaded.balance).toBe(10);
      expect(logger.warnings).toEqual([]);
    });

    it('ignores a snapshot that cannot be read, reports it through the logger, and replays in full', async () => {
      const id = randomUUID();
      await post(id, 4);
      const companion = snapshotStreamName('SnapLedger', id);
      await subject.store.appendToStream(companion, [
        { type: SNAPSHOT_EVENT_TYPE, data: { version: 1, revision: 'four', state: {} } },
      ]);
      const loaded = await repository.load(Ledger, id);
      expect(loaded.balance).toBe(10);
      expect(loaded.revision).toBe(4n);
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]!.fields).toMatchObject({
        code: 'MNEME_UNREADABLE_SNAPSHOT',
        streamName: companion,
        revision: '1',
        aggregateType: 'Ledger',
        aggregateId: id,
      });
      expect(logger.warnings[0]!.message).toContain('not a decimal string');
    });

    it('ignores a snapshot whose covered event is not in the stream any more, and reports it', async () => {
      const id = randomUUID();
      await post(id, 2);
      await new SnapshotStore(subject.store).write(snapshotStreamName('SnapLedger', id), {
        aggregateType: 'Ledger',
        version: 1,
        revision: 40n,
        eventId: randomUUID(),
        state: { balance: 1_000_000 },
      });
      const loaded = await repository.load(Ledger, id);
      expect(loaded.balance).toBe(3);
      expect(loaded.revision).toBe(2n);
      expect(logger.warnings[0]!.message).toMatch(/revision 40 it covers is missing from stream/);
    });

    it('ignores a snapshot whose covered event has another id (a recreated stream)', async () => {
      const id = randomUUID();
      await post(id, 1);
      await new SnapshotStore(subject.store).write(snapshotStreamName('SnapLedger', id), {
        aggregateType: 'Ledger',
        version: 1,
        revision: 1n,
        eventId: randomUUID(),
        state: { balance: 1_000_000 },
      });
      expect((await repository.load(Ledger, id)).balance).toBe(1);
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]!.message).toMatch(/or has another id \(was the stream recreated\?\)/);
    });

    it('never fails a command when the snapshot write fails: reports it, and the next save tries again', async () => {
      const id = randomUUID();
      store.failAppends = (stream) => stream.includes('_snapshot-');
      await post(id, 4); // the fifth event should have taken a snapshot
      expect((await repository.load(Ledger, id)).revision).toBe(4n);
      expect(await snapshotsOf(id)).toEqual([]);
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]!.message).toMatch(
        /Writing the snapshot of Ledger '.*' at revision 4 failed; the command succeeded/,
      );
      expect(logger.warnings[0]!.fields).toMatchObject({ revision: '4', aggregateId: id }); // log fields are JSON-safe

      store.failAppends = () => false;
      await post(id, 1);
      expect((await snapshotsOf(id)).map((e) => (e.data as { revision: string }).revision)).toEqual(['5']);
    });

    it("takes snapshots when a 'when' policy says so, and keeps only the latest few where the store can scavenge", async () => {
      expect(typeof subject.store.setStreamMaxCount === 'function').toBe(subject.scavenges);
      const id = randomUUID();
      for (let i = 0; i < 12; i++) await bus.execute(new Tick(id)); // snapshots at 1, 3, 5, 7, 9, 11
      const snapshots = await collect(subject.store.readStream(snapshotStreamName('SnapTally', id)));
      const revisions = snapshots.map((e) => (e.data as { revision: string }).revision);
      expect(revisions).toEqual(['1', '3', '5', '7', '9', '11'].slice(subject.scavenges ? -SNAPSHOTS_KEPT : 0));
      store.resetCounts();
      expect((await repository.load(Tally, id)).ticks).toBe(12);
      expect(store.readsOf(`SnapTally-${id}`)).toBe(1 + firstEventCheck());
    });

    it('reads events written before a schema change through their upcasters, and old type names through aliases', async () => {
      const id = randomUUID();
      const stream = `SnapLedger-${id}`;
      await subject.store.appendToStream(stream, [
        { type: 'SnapLedger.Opened', data: { at: '2023-01-01T00:00:00.000Z' } },
        { type: 'SnapLedger.Posted', data: { amount: 5, at: '2023-01-01T00:00:01.000Z' } }, // v1, no schemaVersion
        {
          type: 'OldLedger.Posted',
          data: { amount: 6, at: '2023-01-01T00:00:02.000Z' },
          metadata: { schemaVersion: 1 },
        },
        {
          type: 'SnapLedger.Posted',
          data: { amount: 7, label: 'new', at: '2023-01-01T00:00:03.000Z' },
          metadata: { schemaVersion: 2 },
        },
      ]);
      const ledger = await repository.load(Ledger, id);
      expect(ledger.balance).toBe(18);
      expect(ledger.recent.map((e) => e.label)).toEqual(['legacy', 'legacy', 'new']);

      await bus.execute(new Post(id, 1)); // revision 4: crosses the threshold
      const written = await collect(subject.store.readStream(stream, { fromRevision: 4n }));
      expect(written.map((e) => [e.type, e.metadata.schemaVersion])).toEqual([['SnapLedger.Posted', 2]]);
      const [snapshot] = await snapshotsOf(id);
      expect((snapshot!.data as { state: { recent: { label: string }[] } }).state.recent.map((e) => e.label)).toEqual([
        'legacy',
        'new',
        '#3',
      ]);
    });
  });
}
