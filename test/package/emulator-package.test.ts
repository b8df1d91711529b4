import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createEmulatorApp, packedEmulatorTarball } from './support/packed-emulator.js';
import { compile, run } from './support/packed-package.js';

/** Appends two events through the official client and reads them back; prints what it read. */
const CLIENT_FLOW = `
import { KurrentDBClient, jsonEvent } from '@kurrent/kurrentdb-client';

export async function appendAndRead(connectionString: string): Promise<string[]> {
  const client = KurrentDBClient.connectionString(connectionString);
  try {
    await client.appendToStream('Order-1', [
      jsonEvent({ type: 'Order.Placed', data: { total: 3 } }),
      jsonEvent({ type: 'Order.Paid', data: {} }),
    ]);
    const read: string[] = [];
    for await (const { event } of client.readStream('Order-1')) read.push(\`\${event!.type}@\${event!.revision}\`);
    return read;
  } finally {
    await client.dispose();
  }
}
`;

/** The library in process: import (and require, the CommonJS entry) of 'kurrentdb-emulator'. */
const LIBRARY_MAIN = `
import { createRequire } from 'node:module';
import { InvalidEmulatorOptionError, KurrentEmulatorError, startKurrentEmulator, type KurrentEmulator } from 'kurrentdb-emulator';
import { appendAndRead } from './client-flow.js';

const emulator: KurrentEmulator = await startKurrentEmulator({ host: '127.0.0.1', port: 0 });
const read = await appendAndRead(emulator.connectionString);
await emulator.close();
let rejected = '';
try {
  await startKurrentEmulator({ port: -1 });
} catch (error) {
  if (error instanceof InvalidEmulatorOptionError && KurrentEmulatorError.is(error)) rejected = error.code + ' ' + error.option;
}
const required = createRequire(import.meta.url)('kurrentdb-emulator') as { startKurrentEmulator: unknown };
console.log(JSON.stringify({ read, rejected, sameCopy: required.startKurrentEmulator === startKurrentEmulator }));
`;

/** A client of the command's server: the connection string comes as an argument. */
const CLI_CLIENT = `
import { appendAndRead } from './client-flow.js';
console.log(JSON.stringify(await appendAndRead(process.argv[2]!)));
`;

const tsconfig = JSON.stringify({
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    types: ['node'],
    outDir: 'out',
    rootDir: 'src',
  },
  include: ['src'],
});

describe('the kurrentdb-emulator package, packed alone and installed beside only the official client', () => {
  let tarball: string;
  let app: string;
  beforeAll(async () => {
    tarball = await packedEmulatorTarball();
    app = createEmulatorApp(
      'app-emulator-package',
      tarball,
      {
        'package.json': JSON.stringify({
          name: 'app-emulator-package',
          private: true,
          type: 'module',
          dependencies: { 'kurrentdb-emulator': '*', '@kurrent/kurrentdb-client': '1.3.1' },
        }),
        'tsconfig.json': tsconfig,
        'src/client-flow.ts': CLIENT_FLOW,
        'src/main.ts': LIBRARY_MAIN,
        'src/cli-client.ts': CLI_CLIENT,
      },
      ['@types/node'],
    );
    compile(app); // type-checks the app against the package's declarations, not skipLibCheck
  }, 240_000);

  it('packs its build, declarations, sources, manifest, README and LICENSE, and depends on gRPC with the pinned client as its peer', () => {
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    const strays = listed.filter(
      (file) =>
        !/^package\/(package\.json|README\.md|LICENSE|dist\/(cjs\/)?[\w/.-]+\.(js|d\.ts|js\.map|d\.ts\.map)|dist\/cjs\/package\.json|src\/[\w/.-]+\.ts)$/.test(
          file,
        ),
    );
    expect(strays).toEqual([]);
    expect(listed).toEqual(
      expect.arrayContaining(['package/README.md', 'package/dist/index.js', 'package/dist/cli.js']),
    );
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/kurrentdb-emulator/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).toEqual(['@grpc/grpc-js']);
    expect(manifest.peerDependencies).toEqual({ '@kurrent/kurrentdb-client': '1.3.1' });
    // What the app holds: the package, the client, and what they bring; no Mneme.
    expect(existsSync(join(app, 'node_modules/mneme'))).toBe(false);
    expect(readdirSync(join(app, 'node_modules/@kurrent'))).toContain('kurrentdb-client');
  });

  it('serves the official client through `import { startKurrentEmulator } from "kurrentdb-emulator"`', () => {
    expect(JSON.parse(run(app, 'out/main.js'))).toEqual({
      read: ['Order.Placed@0', 'Order.Paid@1'],
      rejected: 'KURRENTDB_EMULATOR_INVALID_OPTION port',
      sameCopy: true,
    });
  }, 120_000);

  it('installs the kurrentdb-emulator command: --port 0 prints a connection string a client uses, SIGTERM stops it with 0', async () => {
    // NODE_OPTIONS from Jest (--experimental-vm-modules) is not wanted in the child.
    const { NODE_OPTIONS: _jestOptions, ...env } = process.env;
    const child = spawn(join(app, 'node_modules/.bin/kurrentdb-emulator'), ['--port', '0'], {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
      void exited.then((code) => reject(new Error(`kurrentdb-emulator exited (${code}): ${stderr}`)));
    });
    try {
      expect(line).toMatch(/^kurrentdb:\/\/127\.0\.0\.1:\d+\?tls=false&discoveryInterval=1$/);
      expect(JSON.parse(run(app, 'out/cli-client.js', [], [line]))).toEqual(['Order.Placed@0', 'Order.Paid@1']);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 120_000);
});
