/**
 * The build both packages of this repository share (Mneme, and the kurrentdb-emulator workspace
 * package): the ES module build (tsc -p tsconfig.build.json into dist/, with source maps and
 * declaration maps), then CommonJS entry points in dist/cjs, then the package's commands made
 * executable.
 *
 * dist/cjs holds no second copy of the code. Each entry there is `module.exports = require(<the ES
 * module>)`, which Node runs through require(esm) (Node 20.19+, 22.12+), so an application that
 * both imports and requires the package gets ONE copy of it (one registry, one set of classes). Its
 * declarations are a copy of the ES ones under a {"type":"commonjs"} package.json, so TypeScript
 * sees a CommonJS module from a CommonJS file (no TS1479 under node16).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/**
 * @param {object} build
 * @param {string} build.root the package's folder
 * @param {string[]} build.mirror folders of dist/ whose declarations dist/cjs mirrors ('.' for all of it)
 * @param {string[]} build.entries the entry modules, relative to dist/ without '.js' ('index', 'src/index')
 * @param {string} build.name the package's name, for the message a Node without require(esm) gets
 * @param {string} build.importAdvice what to import instead ('import mneme', 'import it')
 */
export function buildDualPackage({ root, mirror, entries, name, importAdvice }) {
  const dist = join(root, 'dist');
  const cjs = join(dist, 'cjs');

  rmSync(dist, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });

  mkdirSync(cjs, { recursive: true });
  writeFileSync(join(cjs, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
  for (const folder of mirror) {
    for (const file of [...files(join(dist, folder), cjs)]) {
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
  }
  for (const entry of entries) {
    const from = join(cjs, `${entry}.js`);
    const to = relative(dirname(from), join(dist, `${entry}.js`)).replaceAll('\\', '/');
    mkdirSync(dirname(from), { recursive: true });
    writeFileSync(from, cjsEntry(to, name, importAdvice));
  }

  // The commands of package.json's "bin": built by tsc above, each must start with its shebang and be executable.
  const { bin = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const [command, target] of Object.entries(bin)) {
    const file = join(root, target);
    if (!readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n'))
      throw new Error(`${target} (bin ${command}) has no shebang`);
    chmodSync(file, 0o755);
  }
}

/** Every file below `dir`, except those below `skip` (dist/cjs itself). */
function* files(dir, skip) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (path !== skip) yield* files(path, skip);
    } else yield path;
  }
}

/** The ES module itself, through require(esm): one copy of the package whether imported or required. */
function cjsEntry(target, name, importAdvice) {
  return `'use strict';
// The ES module itself, through require(esm): one copy of ${name} whether imported or required.
try {
  module.exports = require('${target}');
} catch (error) {
  if (error && error.code === 'ERR_REQUIRE_ESM') {
    throw new Error(
      '${name} is an ES module; require() of it needs Node 20.19+ or 22.12+ (this is Node ' + process.versions.node +
        ', or require(esm) is turned off by --no-experimental-require-module). Upgrade Node, or ${importAdvice}.',
      { cause: error },
    );
  }
  throw error;
}
`;
}
