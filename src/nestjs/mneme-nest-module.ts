import {
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type Provider,
  type Type,
} from '@nestjs/common';
import { AggregateRepository } from '../repository/aggregate-repository.js';
import { CommandBus } from '../commands/command-bus.js';
import { CommandInterceptor } from '../commands/command-interceptor.js';
import { createMnemeContainer, type MnemeContainer } from '../container/create-mneme-container.js';
import type { MnemeModuleOptions } from '../container/mneme-module.js';
import { InvalidConfigurationError } from '../errors/configuration-error.js';
import { Logger } from '../logging/logger.js';
import { CheckpointStore } from '../projections/checkpoint-store.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import { EventStore } from '../store/event-store.js';
import { MnemeTelemetry } from '../telemetry/mneme-telemetry.js';

/** What `MnemeModule.forRoot` takes: `mnemeModule`'s options, with projections and interceptors built by Nest. */
export interface MnemeNestOptions extends Omit<MnemeModuleOptions, 'projections' | 'interceptors'> {
  /** `@Projection` classes: Nest providers of this module, so their constructors can inject Nest services. */
  projections?: Type<object>[];
  /** Interceptor instances, or classes extending `CommandInterceptor` that Nest builds (and injects). */
  interceptors?: (CommandInterceptor | Type<CommandInterceptor>)[];
  /** Start the projection runner when the application boots (default `true`); it stops when the application closes. */
  startProjections?: boolean;
  /** Modules whose exported providers the projections and interceptors inject (global modules need not be listed). */
  imports?: ModuleMetadata['imports'];
}

/** The settings `forRootAsync`'s factory returns; the classes Nest must build are given beside it. */
export type MnemeNestAsyncSettings = Omit<MnemeNestOptions, 'projections' | 'interceptors' | 'imports'>;

export interface MnemeNestAsyncOptions {
  /** Modules whose providers `inject`, the projections and the interceptors use (e.g. `[ConfigModule]`). */
  imports?: ModuleMetadata['imports'];
  /** Providers handed to `useFactory`, e.g. `[ConfigService]`. */
  inject?: FactoryProvider['inject'];
  useFactory: (...args: any[]) => MnemeNestAsyncSettings | Promise<MnemeNestAsyncSettings>; // eslint-disable-line @typescript-eslint/no-explicit-any
  projections?: Type<object>[];
  interceptors?: (CommandInterceptor | Type<CommandInterceptor>)[];
}

/** Nest token of the settings `forRoot` or `forRootAsync`'s factory gave. */
export const MNEME_OPTIONS = Symbol.for('mneme:nestjs-options');
/** Nest token of the Mneme container behind the module (a `MnemeContainer`). */
export const MNEME_CONTAINER = Symbol.for('mneme:nestjs-container');

/** Mneme's tokens, provided by the module and exported to the whole application. */
const TOKENS = [
  CommandBus,
  AggregateRepository,
  EventStore,
  ProjectionRunner,
  CheckpointStore,
  Logger,
  MnemeTelemetry,
] as const;

/** Starts the projection runner on bootstrap; stops it and closes the store when the application closes. */
class MnemeLifecycle {
  constructor(
    private readonly container: MnemeContainer,
    private readonly start: boolean,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.start) await this.container.get(ProjectionRunner).start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.container.close();
  }
}

/**
 * Mneme in NestJS's dependency injection: `CommandBus`, `AggregateRepository`, `EventStore`,
 * `ProjectionRunner`, `CheckpointStore`, `Logger` and `MnemeTelemetry` can be injected into any
 * provider or controller (the module is global). Projections are Nest providers of this module,
 * built by Nest (they inject what global modules and `imports` export) and exported, so a
 * controller can inject the read model.
 */
@Module({})
export class MnemeModule {
  static forRoot(options: MnemeNestOptions = {}): DynamicModule {
    if (typeof options !== 'object' || options === null)
      throw new InvalidConfigurationError('MnemeModule.forRoot', 'expected an options object');
    const { projections, interceptors, imports, ...settings } = options;
    return mnemeDynamicModule(
      [{ provide: MNEME_OPTIONS, useValue: settings }],
      projections,
      interceptors,
      imports ?? [],
    );
  }

  static forRootAsync(options: MnemeNestAsyncOptions): DynamicModule {
    if (typeof options?.useFactory !== 'function')
      throw new InvalidConfigurationError('MnemeModule.forRootAsync', 'give { useFactory, inject? }');
    const optionsProvider: Provider = {
      provide: MNEME_OPTIONS,
      useFactory: options.useFactory,
      inject: options.inject ?? [],
    };
    return mnemeDynamicModule([optionsProvider], options.projections, options.interceptors, options.imports ?? []);
  }
}

function mnemeDynamicModule(
  providers: Provider[],
  projections: Type<object>[] = [],
  interceptors: (CommandInterceptor | Type<CommandInterceptor>)[] = [],
  imports: NonNullable<ModuleMetadata['imports']>,
): DynamicModule {
  if (!Array.isArray(projections))
    throw new InvalidConfigurationError('projections', 'give an array of @Projection classes');
  if (!Array.isArray(interceptors))
    throw new InvalidConfigurationError('interceptors', 'give an array of interceptors');
  const interceptorClasses = interceptors.filter(
    (item): item is Type<CommandInterceptor> => typeof item === 'function',
  );
  const built: Type<object>[] = [...projections, ...interceptorClasses];
  const containerProvider: Provider = {
    provide: MNEME_CONTAINER,
    inject: [MNEME_OPTIONS, ...built],
    useFactory: (settings: MnemeNestAsyncSettings, ...instances: object[]): MnemeContainer => {
      const { startProjections: _start, ...moduleOptions } = settings ?? {};
      return createMnemeContainer(
        { ...moduleOptions, projections, interceptors },
        new Map(built.map((type, index) => [type, instances[index]!])),
      );
    },
  };
  const tokenProviders: Provider[] = TOKENS.map((token) => ({
    provide: token,
    inject: [MNEME_CONTAINER],
    useFactory: (container: MnemeContainer) => container.get<unknown>(token),
  }));
  const lifecycle: Provider = {
    provide: MnemeLifecycle,
    inject: [MNEME_CONTAINER, MNEME_OPTIONS],
    useFactory: (container: MnemeContainer, settings: MnemeNestAsyncSettings) =>
      new MnemeLifecycle(container, settings?.startProjections !== false && projections.length > 0),
  };
  return {
    module: MnemeModule,
    global: true,
    imports,
    providers: [...providers, ...built, containerProvider, ...tokenProviders, lifecycle],
    exports: [...TOKENS, ...projections, MNEME_CONTAINER, MNEME_OPTIONS],
  };
}
