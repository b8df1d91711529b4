/**
 * `npm run build` (and `npm pack`): the emulator's dual build (the repository's
 * scripts/dual-package-build.mjs): the ES module build into dist/, its CommonJS entry in dist/cjs,
 * and the `kurrentdb-emulator` command made executable.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDualPackage } from '../../../scripts/dual-package-build.mjs';

buildDualPackage({
  root: join(dirname(fileURLToPath(import.meta.url)), '..'),
  mirror: ['.'],
  entries: ['index'],
  name: 'kurrentdb-emulator',
  importAdvice: 'import it',
});
