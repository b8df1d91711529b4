import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { npm, packedTarball, root, workDir } from './packed-package.js';

/**
 * The `kurrentdb-emulator` workspace package, packed alone. Mneme's build (`packedTarball`, shared by the
 * files of test/package) also builds the package's dist/, so it is packed after that, without its
 * prepack: two builds of one folder at once would race.
 */
export async function packedEmulatorTarball(): Promise<string> {
  await packedTarball();
  const destination = join(workDir, `emulator-${process.pid}`);
  rmSync(destination, { recursive: true, force: true });
  mkdirSync(destination, { recursive: true });
  const [pack] = JSON.parse(
    execFileSync(
      npm,
      ['pack', '-w', 'kurrentdb-emulator', '--json', '--ignore-scripts', '--pack-destination', destination],
      { cwd: root, encoding: 'utf8' },
    ),
  ) as [{ filename: string }];
  return join(destination, pack.filename);
}

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  bin?: Record<string, string>;
}

const manifestOf = (folder: string): Manifest =>
  JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Manifest;

/** Where Node finds the package from the folder `from`, inside this repository: the nearest node_modules up. */
function findPackage(packageName: string, from: string): string | undefined {
  for (let folder = from; folder.startsWith(root); folder = dirname(folder)) {
    const candidate = join(folder, 'node_modules', packageName);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  return undefined;
}

/**
 * A fresh application folder as `npm install kurrentdb-emulator @kurrent/kurrentdb-client@1.3.1` leaves
 * it, without the network: the tarball unpacked as node_modules/kurrentdb-emulator, its command linked
 * in node_modules/.bin, and beside it only the packages that install brings (the package's dependencies
 * and peers and theirs, linked from this repository's node_modules where npm hoists them), plus the
 * app's own `devPackages`. Nothing of Mneme is there: the emulator resolves only what its manifest names.
 */
export function createEmulatorApp(
  name: string,
  tarball: string,
  files: Record<string, string>,
  devPackages: readonly string[] = [],
): string {
  const app = join(workDir, name);
  rmSync(app, { recursive: true, force: true });
  const modules = join(app, 'node_modules');
  const emulator = join(modules, 'kurrentdb-emulator');
  mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', app]);
  execFileSync('mv', [join(app, 'package'), emulator]);

  const hoisted = join(root, 'node_modules');
  const seen = new Set<string>();
  const link = (packageName: string, from: string): void => {
    const found = findPackage(packageName, from);
    if (found === undefined || seen.has(found)) return; // an optional peer nobody installed, or done
    seen.add(found);
    if (found === join(hoisted, packageName)) {
      mkdirSync(dirname(join(modules, packageName)), { recursive: true });
      symlinkSync(found, join(modules, packageName));
    }
    const manifest = manifestOf(found);
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      link(dependency, found);
    }
  };
  const manifest = manifestOf(emulator);
  for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    link(dependency, root);
  }
  for (const dependency of devPackages) link(dependency, root);

  // npm links each command of "bin" into node_modules/.bin.
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const [command, target] of Object.entries(manifest.bin ?? {})) {
    symlinkSync(relative(join(modules, '.bin'), join(emulator, target)), join(modules, '.bin', command));
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    writeFileSync(join(app, file), text);
  }
  return app;
}
