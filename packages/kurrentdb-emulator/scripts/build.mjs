/**
 * `npm run build` (and `npm pack`): the ES module build (tsc -p tsconfig.build.json into dist/, with
 * source maps and declaration maps), then the CommonJS entry point in dist/cjs.
 *
 * dist/cjs holds no second copy of the code: its index.js is `module.exports = require(<the ES
 * module>)`, which Node runs through require(esm) (Node 20.19+, 22.12+), so an application that both
 * imports and requires the emulator gets one copy of its error classes. Its declarations are a copy
 * of the ES ones under a {"type":"commonjs"} package.json, so TypeScript sees a CommonJS module.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const cjs = join(dist, 'cjs');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (path !== cjs) yield* files(path);
    } else yield path;
  }
}

mkdirSync(cjs, { recursive: true });
writeFileSync(join(cjs, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
for (const file of [...files(dist)]) {
  const target = join(cjs, relative(dist, file));
  if (file.endsWith('.d.ts')) {
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  } else if (file.endsWith('.d.ts.map')) {
    // One folder deeper: the map's sources (../src/x.ts) get one more '../'.
    const map = JSON.parse(readFileSync(file, 'utf8'));
    map.sources = map.sources.map((source) => `../${source}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, JSON.stringify(map));
  }
}
writeFileSync(join(cjs, 'index.js'), cjsEntry('../index.js'));

// The command of package.json's "bin": built by tsc above, it must start with its shebang and be executable.
const { bin = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const [command, target] of Object.entries(bin)) {
  const file = join(root, target);
  if (!readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n'))
    throw new Error(`${target} (bin ${command}) has no shebang`);
  chmodSync(file, 0o755);
}

/** The ES module itself, through require(esm): one copy of the emulator whether imported or required. */
function cjsEntry(target) {
  return `'use strict';
// The ES module itself, through require(esm): one copy of the emulator whether imported or required.
try {
  module.exports = require('${target}');
} catch (error) {
  if (error && error.code === 'ERR_REQUIRE_ESM') {
    throw new Error(
      'kurrentdb-emulator is an ES module; require() of it needs Node 20.19+ or 22.12+ (this is Node ' +
        process.versions.node + ', or require(esm) is turned off by --no-experimental-require-module). Upgrade Node, or import it.',
      { cause: error },
    );
  }
  throw error;
}
`;
}
