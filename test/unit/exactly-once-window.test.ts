import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  COMMAND_WINDOW,
  CommandBus,
  CommandOutsideWindowError,
  ConcurrencyRetryInterceptor,
  EventType,
  Handles,
  InMemoryEventStore,
  StreamQueueInterceptor,
  type CommandInterceptor,
  type EventStore,
} from 'mneme';
import { CommandRouter } from '../../src/commands/command-router.js';
import { collect } from '../support/collect.js';

@EventType('WindowTest.Noted')
class Noted {
  constructor(readonly text = '') {}
}

class Note {
  @AggregateId() id: string;
  constructor(
    id: string,
    readonly text: string,
  ) {
    this.id = id;
  }
}

@Aggregate({ category: 'WindowTest', snapshot: { every: 20, version: 1 } })
class Notebook extends AggregateRoot {
  count = 0;
  @Handles(Note) note(command: Note) {
    return new Noted(command.text);
  }
  @Apply(Noted) onNoted() {
    this.count++;
  }
}

interface Config {
  cache: boolean;
  snapshots: boolean;
  queue: boolean;
}

const configs: Config[] = [];
for (const cache of [false, true])
  for (const snapshots of [false, true]) for (const queue of [false, true]) configs.push({ cache, snapshots, queue });
const label = (c: Config) =>
  `cache ${c.cache ? 'on' : 'off'}, snapshots ${c.snapshots ? 'on' : 'off'}, queue ${c.queue ? 'on' : 'off'}`;

function busOn(store: EventStore, config: Config): CommandBus {
  const repository = new AggregateRepository(store, { cache: config.cache ? {} : false, snapshots: config.snapshots });
  const chain: CommandInterceptor[] = config.queue ? [new StreamQueueInterceptor()] : [];
  chain.push(new ConcurrencyRetryInterceptor());
  return new CommandBus(repository, new CommandRouter([Notebook]), chain);
}

async function noteMany(bus: CommandBus, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await bus.execute(new Note('n-1', `filler ${i}`));
}

const length = async (store: EventStore) => (await collect(store.readStream('WindowTest-n-1'))).length;

describe('the exactly-once window', () => {
  it('is 256 events', () => expect(COMMAND_WINDOW).toBe(256));

  describe.each(configs.map((config) => [label(config), config] as const))('with %s', (_label, config) => {
    it('recognises a re-send whose events are among the last 256 of the stream, on the instance that wrote it and on a fresh one', async () => {
      const store = new InMemoryEventStore();
      const bus = busOn(store, config);
      const first = await bus.execute(new Note('n-1', 'the one'), { commandId: 'once' });
      await noteMany(bus, COMMAND_WINDOW - 1); // its event is now the 256th from the end
      const before = await length(store);
      for (const sender of [bus, busOn(store, config)]) {
        const again = await sender.execute(new Note('n-1', 'the one'), { commandId: 'once' });
        expect(again.events).toEqual(first.events);
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
      }
      expect(await length(store)).toBe(before);
    });

    it('reports a re-send just outside it with CommandOutsideWindowError, on the instance that wrote it and on a fresh one, and stores nothing', async () => {
      const store = new InMemoryEventStore();
      const bus = busOn(store, config);
      await bus.execute(new Note('n-1', 'the one'), { commandId: 'once' });
      await noteMany(bus, COMMAND_WINDOW + 40);
      const before = await length(store);
      for (const sender of [bus, busOn(store, config)]) {
        const again = sender.execute(new Note('n-1', 'the one'), { commandId: 'once' });
        await expect(again).rejects.toBeInstanceOf(CommandOutsideWindowError);
        await expect(again).rejects.toMatchObject({
          commandId: 'once',
          streamName: 'WindowTest-n-1',
          window: COMMAND_WINDOW,
        });
      }
      expect(await length(store)).toBe(before);
    });
  });
});
