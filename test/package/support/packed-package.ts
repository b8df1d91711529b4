import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * One build and one `npm pack` per test run, shared by the test files of test/package (Jest runs them
 * in parallel workers of one parent process, or in band in one process): the first to take the lock
 * builds, the others wait for its tarball.
 */
const runKey = createHash('sha1').update(`${root}:${process.ppid}`).digest('hex').slice(0, 12);
export const workDir = join(tmpdir(), `mneme-package-${runKey}`);

export async function packedTarball(): Promise<string> {
  const done = join(workDir, 'tarball.txt');
  const failed = join(workDir, 'failed.txt');
  mkdirSync(tmpdir(), { recursive: true });
  // Earlier runs' folders (apps, tarballs) go once they are an hour old.
  for (const name of readdirSync(tmpdir())) {
    const path = join(tmpdir(), name);
    if (name.startsWith('mneme-package-') && path !== workDir && Date.now() - statSync(path).mtimeMs > 3_600_000) {
      rmSync(path, { recursive: true, force: true });
    }
  }
  let owner = false;
  try {
    mkdirSync(workDir);
    owner = true;
  } catch {
    // another test file builds
  }
  if (owner) {
    try {
      execFileSync(npm, ['run', 'build'], { cwd: root, stdio: 'pipe' });
      const [pack] = JSON.parse(
        execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], {
          cwd: root,
          encoding: 'utf8',
        }),
      ) as [{ filename: string }];
      writeFileSync(done, join(workDir, pack.filename));
    } catch (error) {
      writeFileSync(failed, String((error as { stderr?: unknown }).stderr ?? error));
      throw error;
    }
  }
  for (let waited = 0; waited < 240_000; waited += 200) {
    if (existsSync(done)) return readFileSync(done, 'utf8');
    if (existsSync(failed)) throw new Error(`the package build failed: ${readFileSync(failed, 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no tarball in ${workDir} after 240 s`);
}

/**
 * A fresh application folder with the tarball installed as node_modules/mneme, without the network:
 * every other package is a link to this repository's node_modules (`except` names the ones the test
 * installs itself). Node and TypeScript follow the links to their real paths, so a dependency's own
 * dependencies resolve as in an npm install.
 */
export function createApp(
  name: string,
  tarball: string,
  files: Record<string, string>,
  except: readonly string[] = [],
): string {
  const app = join(workDir, name);
  rmSync(app, { recursive: true, force: true });
  const modules = join(app, 'node_modules');
  mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', app]);
  execFileSync('mv', [join(app, 'package'), join(modules, 'mneme')]);
  const source = join(root, 'node_modules');
  for (const entry of readdirSync(source)) {
    if (entry.startsWith('.') || except.includes(entry)) continue;
    if (entry.startsWith('@')) {
      mkdirSync(join(modules, entry), { recursive: true });
      for (const scoped of readdirSync(join(source, entry))) {
        if (!except.includes(`${entry}/${scoped}`))
          symlinkSync(join(source, entry, scoped), join(modules, entry, scoped));
      }
    } else {
      symlinkSync(join(source, entry), join(modules, entry));
    }
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    writeFileSync(join(app, file), text);
  }
  return app;
}

/**
 * Parsed declaration files of packages, shared by the apps of one test file: the apps link the same
 * node_modules (TypeScript follows links to real paths), so @types/node and the Kurrent client's
 * declarations are parsed once instead of once per app. Keyed by what parsing depends on.
 */
const parsed = new Map<string, ts.SourceFile>();

/** Compiles the app's tsconfig.json with this repository's TypeScript, in process; throws the diagnostics. */
export function compile(app: string): void {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(app, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`no tsconfig.json in ${app}`);
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    if (!fileName.includes('/node_modules/') || fileName.includes(`${app}/node_modules/mneme/`)) {
      return getSourceFile(fileName, languageVersionOrOptions, onError, shouldCreate);
    }
    const options =
      typeof languageVersionOrOptions === 'object'
        ? languageVersionOrOptions
        : { languageVersion: languageVersionOrOptions };
    const key = `${fileName}|${options.languageVersion}|${String(options.impliedNodeFormat)}`;
    let file = parsed.get(key);
    if (!file) {
      file = getSourceFile(fileName, languageVersionOrOptions, onError, shouldCreate);
      if (file) parsed.set(key, file);
    }
    return file;
  };
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    host,
    configFileParsingDiagnostics: config.errors,
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  if (diagnostics.length > 0) {
    throw new Error(
      `tsc failed in ${app}:\n${ts.formatDiagnostics(diagnostics, { ...host, getNewLine: () => '\n', getCanonicalFileName: (name) => name })}`,
    );
  }
}

/** Runs a file of the app in a fresh Node (with `args` for it); returns what it printed. */
export function run(
  app: string,
  file: string,
  nodeOptions: readonly string[] = [],
  args: readonly string[] = [],
): string {
  try {
    return execFileSync(process.execPath, [...nodeOptions, file, ...args], {
      cwd: app,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 60_000,
    }).trim();
  } catch (error) {
    throw new Error(
      `node ${file} failed in ${app}:\n${String((error as { stdout?: unknown }).stdout)}${String((error as { stderr?: unknown }).stderr)}`,
      { cause: error },
    );
  }
}
