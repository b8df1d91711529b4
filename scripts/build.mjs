/**
 * `npm run build`: the ES module build (tsc -p tsconfig.build.json into dist/src, dist/decorators and
 * dist/packages — the KurrentDB emulator package's sources, which mneme/testing re-exports — with
 * source maps and declaration maps), then the CommonJS entry points in dist/cjs. (The npm script then
 * builds the emulator package itself, packages/kurrentdb-emulator/dist, for its own `bin`.)
 *
 * dist/cjs holds no second copy of the code. Each entry there is `module.exports = require(<the ES
 * module>)`, which Node runs through require(esm) (Node 20.19+, 22.12+), so an application that
 * both imports and requires Mneme gets ONE copy: one event-type registry, one CommandBus class, one
 * set of DI tokens. Its declarations are a copy of the ES ones under a {"type":"commonjs"}
 * package.json, so TypeScript sees a CommonJS module from a CommonJS file (no TS1479 under node16).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const cjs = join(dist, 'cjs');
const entries = ['src/index', 'src/kurrent/index', 'src/testing/index', 'src/nestjs/index'];

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

mkdirSync(cjs, { recursive: true });
writeFileSync(join(cjs, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
// packages/: the emulator's sources (packages/kurrentdb-emulator/src), compiled into Mneme's build for mneme/testing.
for (const folder of ['src', 'decorators', 'packages']) {
  for (const file of files(join(dist, folder))) {
    const target = join(cjs, relative(dist, file));
    if (file.endsWith('.d.ts')) {
      mkdirSync(dirname(target), { recursive: true });
      cpSync(file, target);
    } else if (file.endsWith('.d.ts.map')) {
      // One folder deeper: the map's sources (../../src/x.ts) get one more '../'.
      const map = JSON.parse(readFileSync(file, 'utf8'));
      map.sources = map.sources.map((source) => `../${source}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, JSON.stringify(map));
    }
  }
}
for (const entry of entries) {
  const from = join(cjs, `${entry}.js`);
  const to = relative(dirname(from), join(dist, `${entry}.js`)).replaceAll('\\', '/');
  writeFileSync(from, cjsEntry(to));
}

// The commands of package.json's "bin": built by tsc above, each must start with its shebang and be executable.
const { bin = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const [command, target] of Object.entries(bin)) {
  const file = join(root, target);
  if (!readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n'))
    throw new Error(`${target} (bin ${command}) has no shebang`);
  chmodSync(file, 0o755);
}

/** The ES module itself, through require(esm): one copy of Mneme whether imported or required. */
function cjsEntry(target) {
  return `'use strict';
// The ES module itself, through require(esm): one copy of Mneme whether imported or required.
try {
  module.exports = require('${target}');
} catch (error) {
  if (error && error.code === 'ERR_REQUIRE_ESM') {
    throw new Error(
      'mneme is an ES module; require() of it needs Node 20.19+ or 22.12+ (this is Node ' + process.versions.node +
        ', or require(esm) is turned off by --no-experimental-require-module). Upgrade Node, or import mneme.',
      { cause: error },
    );
  }
  throw error;
}
`;
}
