import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createApp, packedTarball, root } from './support/packed-package.js';

const DOMAIN = `
import 'reflect-metadata';
import { Aggregate, AggregateId, AggregateRoot, Apply, DomainError, EventType, Handles } from 'mneme';

@EventType('JestApp.Opened')
export class Opened {
  constructor(readonly id: string, readonly owner: string) {}
}
export class Open {
  @AggregateId() id: string;
  constructor(id: string, readonly owner: string) { this.id = id; }
}
@Aggregate({ category: 'JestAccount' })
export class Account extends AggregateRoot {
  opened = false;
  @Handles(Open) open(cmd: Open) {
    if (this.opened) throw new DomainError('already open');
    return new Opened(cmd.id, cmd.owner);
  }
  @Apply(Opened) onOpened(_event: Opened) { this.opened = true; }
}
`;

/** The app's tests: two that hold, one that forgets \`await\` on a failing spec, one that never asserts. */
const SPEC = (domain: string) => `
import { aggregateSpec } from 'mneme/testing';
import { DomainError } from 'mneme';
import { Account, Open, Opened } from '${domain}';

describe('Account', () => {
  it('opens', async () => {
    await aggregateSpec(Account).when(new Open('a', 'ada')).thenEmits(new Opened('a', 'ada'));
  });
  it('refuses to open twice', () => aggregateSpec(Account).given(new Opened('a', 'ada')).when(new Open('a', 'ada')).thenThrows(DomainError));
  it('forgets await', () => {
    void aggregateSpec(Account).when(new Open('a', 'ada')).thenEmits(new Opened('a', 'someone else'));
  });
  it('never asserts', () => {
    aggregateSpec(Account).when(new Open('a', 'ada'));
  });
});
`;

interface JestJson {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

/** Runs the app's Jest (this repository's jest and ts-jest, linked in) and returns its JSON report. */
function runJest(app: string): Promise<JestJson> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(root, 'node_modules/jest/bin/jest.js'), '--json', '--ci', '--no-cache'],
      {
        cwd: app,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
      },
      (error, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout) as JestJson);
        } catch {
          reject(new Error(`jest gave no report in ${app} (${String(error)}):\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

const tsconfig = (module: string, moduleResolution: string) =>
  JSON.stringify({
    compilerOptions: {
      module,
      moduleResolution,
      target: 'ES2022',
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      strictPropertyInitialization: false,
      skipLibCheck: true,
      esModuleInterop: true,
      types: ['node', 'jest'],
    },
  });

describe("Jest in the user's app, with preset 'mneme'", () => {
  let tarball: string;
  beforeAll(async () => {
    tarball = await packedTarball();
  }, 240_000);

  it('runs aggregate specs in a CommonJS and an ES module app, and fails the test that forgets await or never asserts', async () => {
    const cjs = createApp('app-jest-cjs', tarball, {
      'package.json': JSON.stringify({ name: 'app-jest-cjs', private: true }),
      'jest.config.js': "module.exports = { preset: 'mneme' };",
      'tsconfig.json': tsconfig('commonjs', 'node10'),
      'src/domain.ts': DOMAIN,
      'src/account.spec.ts': SPEC('./domain'),
    });
    const esm = createApp('app-jest-esm', tarball, {
      'package.json': JSON.stringify({ name: 'app-jest-esm', private: true, type: 'module' }),
      'jest.config.js': "export default { preset: 'mneme' };",
      'tsconfig.json': tsconfig('nodenext', 'nodenext'),
      'src/domain.ts': DOMAIN,
      'src/account.spec.ts': SPEC('./domain.js'),
    });
    for (const report of await Promise.all([runJest(cjs), runJest(esm)])) {
      const results = report.testResults.flatMap((file) => file.assertionResults);
      expect(results.map(({ title, status }) => [title, status])).toEqual([
        ['opens', 'passed'],
        ['refuses to open twice', 'passed'],
        ['forgets await', 'failed'],
        ['never asserts', 'failed'],
      ]);
      expect(results[2]!.failureMessages.join('\n')).toContain('the spec was never awaited');
      expect(results[3]!.failureMessages.join('\n')).toContain('the spec was never asserted');
    }
  }, 180_000);
});
