/** Runs the `kurrentdb-emulator` command from its TypeScript source in a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's folder. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'src/cli.ts');
const register = join(root, 'test/support/ts-source/register.mjs');

export interface EmulatorProcess {
  readonly child: ChildProcess;
  /** The first line of stdout (the connection string), or a rejection if the process ends first. */
  readonly firstLine: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stderr so far. */
  stderr(): string;
  stdout(): string;
}

export function runEmulatorCli(args: readonly string[]): EmulatorProcess {
  // NODE_OPTIONS from Jest (--experimental-vm-modules) is not wanted in the child.
  const { NODE_OPTIONS: _jestOptions, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', register, cli, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  const firstLine = new Promise<string>((resolveLine, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolveLine(stdout.slice(0, newline));
    });
    void exited.then(({ code }) =>
      reject(new Error(`kurrentdb-emulator exited (${code}) before printing a line: ${stderr}`)),
    );
  });
  firstLine.catch(() => undefined); // awaited by the tests that expect a line
  return { child, firstLine, exited, stderr: () => stderr, stdout: () => stdout };
}
