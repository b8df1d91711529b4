/**
 * `npm run build`: Mneme's dual build (scripts/dual-package-build.mjs) into dist/src, dist/decorators
 * and dist/packages — the KurrentDB emulator package's sources, which mneme/testing re-exports —
 * with CommonJS entry points for each subpath in dist/cjs. (The npm script then builds the emulator
 * package itself, packages/kurrentdb-emulator/dist, for its own `bin`.)
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDualPackage } from './dual-package-build.mjs';

buildDualPackage({
  root: join(dirname(fileURLToPath(import.meta.url)), '..'),
  mirror: ['src', 'decorators', 'packages'],
  entries: ['src/index', 'src/kurrent/index', 'src/testing/index', 'src/nestjs/index'],
  name: 'mneme',
  importAdvice: 'import mneme',
});
