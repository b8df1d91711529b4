import { createRequire } from 'node:module';

type KurrentClientModule = typeof import('@kurrent/kurrentdb-client');

let loaded: KurrentClientModule | undefined;

/**
 * `@kurrent/kurrentdb-client`, loaded on first use: importing Mneme must not load it (nor its native
 * bridge) for users of other stores. It is CommonJS, so `require` loads it synchronously, which
 * `container.load` needs to reject a bad connection string.
 */
export function kurrentClient(): KurrentClientModule {
  return (loaded ??= createRequire(import.meta.url)('@kurrent/kurrentdb-client') as KurrentClientModule);
}
