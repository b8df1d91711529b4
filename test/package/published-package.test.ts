import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { npm, packedTarball, root } from './support/packed-package.js';

/** Runs an ES module in a fresh Node at the package root, where `import 'mneme'` resolves through package.json's exports to dist. */
function runInNode(script: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }).trim();
}

/** Prints, as JSON, which loaded CommonJS files belong to the Kurrent client or gRPC, after `body` ran. */
function loadedClientFilesAfter(body: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    ${body}
    const loaded = Object.keys(createRequire(process.cwd() + '/').cache)
      .filter((file) => /[\\\\/]@kurrent[\\\\/]|[\\\\/]@grpc[\\\\/]grpc-js[\\\\/]/.test(file));
    console.log(JSON.stringify(loaded));
    process.exit(0);
  `;
  return JSON.parse(runInNode(script)) as string[];
}

describe('the published package', () => {
  beforeAll(async () => {
    await packedTarball(); // builds dist once for every test file of test/package
  }, 240_000);

  it('packs only the library (with the emulator package compiled in), its declarations and maps, its sources, the CommonJS entries, package.json, README, LICENSE and CHANGELOG', () => {
    const [pack] = JSON.parse(
      execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
    ) as [{ files: { path: string }[] }];
    const files = pack.files.map((file) => file.path).sort();
    const strays = files.filter(
      (file) =>
        !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|jest-preset\.cjs|dist\/(cjs\/)?(src|decorators|packages\/kurrentdb-emulator\/src)\/[\w/.-]+\.(js|d\.ts|js\.map|d\.ts\.map)|dist\/cjs\/package\.json|(src|decorators|packages\/kurrentdb-emulator\/src)\/[\w/.-]+\.ts)$/.test(
          file,
        ),
    );
    expect(strays).toEqual([]);
    // Every map points at a file of the package (the sources travel with it).
    for (const map of files.filter((file) => file.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(root, map), 'utf8')) as { sources: string[] };
      const missing = sources.map((source) => join(map, '..', source)).filter((source) => !files.includes(source));
      expect({ map, missing }).toEqual({ map, missing: [] });
    }
    expect(files.filter((file) => file.endsWith('.js.map')).length).toBeGreaterThan(50);
    expect(files.filter((file) => file.endsWith('.d.ts.map')).length).toBeGreaterThan(50);

    // Every subpath the manifest promises is in the tarball, code and declarations.
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
    };
    type Target = string | { [condition: string]: Target };
    const leaves = (target: Target): string[] =>
      typeof target === 'string' ? [target] : Object.values(target).flatMap(leaves);
    const typesVersions = (manifest as unknown as { typesVersions: Record<string, Record<string, string[]>> })
      .typesVersions;
    const targets = [
      ...Object.values(manifest.exports as Record<string, Target>).flatMap(leaves),
      ...Object.values(typesVersions['*']!).flat(), // what node10 resolution finds for the subpaths
      ...Object.values((manifest as unknown as { bin: Record<string, string> }).bin),
      (manifest as unknown as { main: string }).main,
      (manifest as unknown as { types: string }).types,
    ];
    expect(targets.map((target) => target.replace(/^\.\//, '')).filter((target) => !files.includes(target))).toEqual(
      [],
    );
  });

  it('does not load the Kurrent client or gRPC when mneme is imported and its module loaded', () => {
    const loaded = loadedClientFilesAfter(`
      const { Container } = await import('inversify');
      const { mnemeModule, InMemoryEventStore } = await import('mneme');
      await import('mneme/kurrent');
      new Container().load(mnemeModule({ eventStore: new InMemoryEventStore() }));
    `);
    expect(loaded).toEqual([]);
  });

  it('loads the Kurrent client when a container is given a KurrentDB connection', () => {
    const loaded = loadedClientFilesAfter(`
      const { Container } = await import('inversify');
      const { mnemeModule, EventStore } = await import('mneme');
      const container = new Container();
      container.load(mnemeModule({ eventStore: { kurrent: 'kurrentdb://localhost:2113?tls=false' } }));
      await container.get(EventStore).close();
    `);
    expect(loaded.some((file) => file.includes('kurrentdb-client'))).toBe(true);
  });

  it('rejects a bad connection string when the container loads, from the built package', () => {
    const code = runInNode(`
      const { Container } = await import('inversify');
      const { mnemeModule, InvalidConnectionStringError } = await import('mneme');
      try {
        new Container().load(mnemeModule({ eventStore: { kurrent: 'not a connection string' } }));
        console.log('loaded');
      } catch (error) {
        console.log(InvalidConnectionStringError.is(error) ? error.code : String(error));
      }
      process.exit(0);
    `);
    expect(code).toBe('MNEME_INVALID_CONNECTION_STRING');
  });

  it('runs a KurrentEventStore on the emulator through the built subpaths', () => {
    const revisions = runInNode(`
      const { startKurrentEmulator } = await import('mneme/testing');
      const { KurrentEventStore } = await import('mneme/kurrent');
      const emulator = await startKurrentEmulator();
      const store = new KurrentEventStore(emulator.connectionString);
      await store.appendToStream('Order-1', [{ type: 'Order.Placed', data: { total: 3 } }, { type: 'Order.Paid', data: {} }]);
      const read = [];
      for await (const event of store.readStream('Order-1')) read.push(event.type + '@' + event.revision);
      await store.close();
      await emulator.close();
      console.log(read.join(' '));
      process.exit(0);
    `);
    expect(revisions).toBe('Order.Placed@0 Order.Paid@1');
  });

  it('ships the kurrentdb-emulator command, executable from the build, which starts, prints its connection string and stops with 0', async () => {
    const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const command = join(root, bin['kurrentdb-emulator']!);
    expect(statSync(command).mode & 0o111).not.toBe(0);
    expect(execFileSync(command, ['--help'], { encoding: 'utf8' })).toContain('Usage: kurrentdb-emulator');

    const child = spawn(command, ['--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
    });
    child.kill('SIGTERM');

    expect(line).toMatch(/^kurrentdb:\/\/127\.0\.0\.1:\d+\?tls=false&discoveryInterval=1$/);
    expect(await exited).toBe(0);
  });
});
