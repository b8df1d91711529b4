/**
 * `node --import ./test/support/ts-source/register.mjs some.ts`: runs the TypeScript sources in a
 * child process without a build, as Jest does in-process (transpiled, not type-checked: `npm test`
 * type-checks first). Used to spawn the emulator's CLI from its source.
 */
import { register } from 'node:module';

register('./loader.mjs', import.meta.url);
