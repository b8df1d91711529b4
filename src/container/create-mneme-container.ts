import { Container } from 'inversify';
import { mnemeModule, type MnemeModuleOptions } from './mneme-module.js';

/** A DI token of Mneme's: `CommandBus`, `AggregateRepository`, `EventStore`, `ProjectionRunner`, `Logger`... */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MnemeToken<T> = abstract new (...args: any[]) => T;

/**
 * A container Mneme built and owns, for applications that don't import inversify themselves
 * (a CommonJS app can't: inversify 8 is an ES module only, and its types don't resolve under
 * `module: commonjs`). Same bindings as `container.load(mnemeModule(options))`.
 */
export interface MnemeContainer {
  /** The singleton bound to `token` (e.g. `container.get(CommandBus)`). */
  get<T>(token: MnemeToken<T>): T;
  /** Stops the projection runner and closes a KurrentDB store the container opened. */
  close(): Promise<void>;
}

/**
 * `instances`: objects to bind as they are before the module loads (the NestJS module gives the
 * projections and interceptors Nest built, so they keep their Nest dependencies).
 */
export function createMnemeContainer(
  options: MnemeModuleOptions = {},
  instances?: ReadonlyMap<MnemeToken<object>, object>,
): MnemeContainer {
  const container = new Container();
  for (const [type, instance] of instances ?? []) container.bind(type).toConstantValue(instance);
  container.load(mnemeModule(options));
  let closed: Promise<void> | undefined;
  return {
    get: <T>(token: MnemeToken<T>): T => container.get<T>(token),
    close: () => (closed ??= container.unbindAllAsync()),
  };
}
