import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from '@jest/globals';
import {
  Aggregate,
  AggregateId,
  AggregateRoot,
  Apply,
  CommandBus,
  CommandInterceptor,
  createMnemeContainer,
  EventStore,
  EventType,
  Handles,
  InMemoryEventStore,
  InvalidConfigurationError,
  Logger,
  On,
  Projection,
  ProjectionRunner,
  type CommandContext,
  type CommandResult,
} from 'mneme';
import { MNEME_CONTAINER, MnemeModule } from 'mneme/nestjs';

@EventType('NestUnit.Noted')
class Noted {
  constructor(
    readonly id: string,
    readonly text: string,
  ) {}
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
@Aggregate({ category: 'NestNote' })
class Notebook extends AggregateRoot {
  @Handles(Note) note(cmd: Note) {
    return new Noted(cmd.id, cmd.text);
  }
  @Apply(Noted) onNoted(_event: Noted) {}
}

/** A Nest service that interceptors and projections inject. */
@Injectable()
class Journal {
  readonly lines: string[] = [];
}
@Module({ providers: [Journal], exports: [Journal] })
class JournalModule {}

@Injectable()
class JournalInterceptor extends CommandInterceptor {
  constructor(private readonly journal: Journal) {
    super();
  }
  async intercept(context: CommandContext, next: () => Promise<CommandResult>): Promise<CommandResult> {
    this.journal.lines.push(`command ${context.command.constructor.name}`);
    return next();
  }
}

@Projection({ name: 'nest-unit-notes', from: { categories: ['NestNote'] } })
class Notes {
  constructor(readonly journal: Journal) {}
  @On(Noted) noted(event: Noted) {
    this.journal.lines.push(`projected ${event.text}`);
  }
}

async function boot(mneme: ReturnType<typeof MnemeModule.forRoot>) {
  const app = await Test.createTestingModule({ imports: [JournalModule, mneme] }).compile();
  await app.init();
  return app;
}

describe(MnemeModule.name, () => {
  it('builds interceptor classes and projections with Nest, injecting Nest services into both', async () => {
    const app = await boot(
      MnemeModule.forRoot({
        aggregates: [Notebook],
        projections: [Notes],
        interceptors: [JournalInterceptor],
        imports: [JournalModule],
      }),
    );
    await app.get(CommandBus).execute(new Note('n-1', 'hello'));
    await app.get(ProjectionRunner).catchUp();
    expect(app.get(Journal).lines).toEqual(['command Note', 'projected hello']);
    expect(app.get(Notes).journal).toBe(app.get(Journal));
    await app.close();
  });

  it('leaves the runner to the application with startProjections: false', async () => {
    const app = await boot(
      MnemeModule.forRoot({
        aggregates: [Notebook],
        projections: [Notes],
        imports: [JournalModule],
        startProjections: false,
      }),
    );
    await expect(app.get(ProjectionRunner).catchUp()).rejects.toMatchObject({
      code: 'MNEME_PROJECTION_RUNNER_NOT_RUNNING',
    });
    await app.get(ProjectionRunner).start();
    await app.get(ProjectionRunner).catchUp();
    await app.close();
  });

  it('uses the store, logger and settings forRootAsync gets from another provider', async () => {
    const store = new InMemoryEventStore();
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    @Injectable()
    class Settings {
      readonly store = store;
    }
    @Module({ providers: [Settings], exports: [Settings] })
    class SettingsModule {}
    const app = await boot(
      MnemeModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: async (settings: Settings) => ({ aggregates: [Notebook], eventStore: settings.store, logger }),
      }),
    );
    await app.get(CommandBus).execute(new Note('n-2', 'x'));
    expect(app.get(EventStore)).toBe(store);
    expect(app.get(Logger)).toBe(logger);
    const read = [];
    for await (const event of store.readStream('NestNote-n-2')) read.push(event.type);
    expect(read).toEqual(['NestUnit.Noted']);
    await app.close();
  });

  it('fails the application start on a misspelt option, naming it', async () => {
    const mneme = MnemeModule.forRoot({ agregates: [Notebook] } as never);
    await expect(Test.createTestingModule({ imports: [mneme] }).compile()).rejects.toThrow(InvalidConfigurationError);
  });

  it('rejects forRootAsync without a factory, and forRoot with a non-object', () => {
    expect(() => MnemeModule.forRootAsync({} as never)).toThrow(InvalidConfigurationError);
    expect(() => MnemeModule.forRoot('x' as never)).toThrow(InvalidConfigurationError);
  });

  it('stops the runner when the application closes', async () => {
    const app = await boot(
      MnemeModule.forRoot({ aggregates: [Notebook], projections: [Notes], imports: [JournalModule] }),
    );
    const runner = app.get(ProjectionRunner);
    await runner.catchUp();
    expect(app.get(MNEME_CONTAINER)).toBeDefined();
    await app.close();
    await expect(runner.catchUp()).rejects.toMatchObject({ code: 'MNEME_PROJECTION_RUNNER_NOT_RUNNING' });
  });
});

describe('createMnemeContainer', () => {
  it("gives Mneme's singletons and closes once, however often close is called", async () => {
    @Projection({ name: 'nest-unit-plain', from: { categories: ['NestNote'] } })
    class Texts {
      readonly texts: string[] = [];
      @On(Noted) noted(event: Noted) {
        this.texts.push(event.text);
      }
    }
    const container = createMnemeContainer({ aggregates: [Notebook], projections: [Texts] });
    expect(container.get(CommandBus)).toBe(container.get(CommandBus));
    await container.get(CommandBus).execute(new Note('n-3', 'y'));
    const runner = container.get(ProjectionRunner);
    await runner.start();
    await runner.catchUp();
    expect(container.get(Texts).texts).toContain('y');
    const first = container.close();
    expect(container.close()).toBe(first);
    await first;
    await expect(runner.catchUp()).rejects.toMatchObject({ code: 'MNEME_PROJECTION_RUNNER_NOT_RUNNING' });
  });

  it('fails at creation on a bad option, as container.load does', () => {
    expect(() => createMnemeContainer({ retry: 'often' as never })).toThrow(InvalidConfigurationError);
  });
});
