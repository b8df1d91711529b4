import { beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { compile, createApp, packedTarball, root, run } from './support/packed-package.js';

/** A user's domain, as a CommonJS or ES module app writes it: one aggregate, two commands, two events. */
const DOMAIN = `
import 'reflect-metadata';
import { Aggregate, AggregateId, AggregateRoot, Apply, EventType, Handles } from 'mneme';

@EventType('Consumer.Opened')
export class Opened {
  constructor(readonly id: string, readonly owner: string) {}
}
@EventType('Consumer.Deposited')
export class Deposited {
  constructor(readonly id: string, readonly amount: number) {}
}
export class Open {
  @AggregateId() id: string;
  constructor(id: string, readonly owner: string) { this.id = id; }
}
export class Deposit {
  @AggregateId() id: string;
  constructor(id: string, readonly amount: number) { this.id = id; }
}

@Aggregate({ category: 'Account' })
export class Account extends AggregateRoot {
  balance = 0;
  @Handles(Open, { expects: 'new' }) open(cmd: Open) { return new Opened(cmd.id, cmd.owner); }
  @Handles(Deposit, { expects: 'existing' }) deposit(cmd: Deposit) { return new Deposited(cmd.id, cmd.amount); }
  @Apply(Opened) onOpened(_event: Opened) {}
  @Apply(Deposited) onDeposited(event: Deposited) { this.balance += event.amount; }
}
`;

/** Runs the flow through a bus, a spec of mneme/testing and a helper of mneme/kurrent; prints what it saw. */
const flow = (containerStyle: 'mneme' | 'inversify', domainPath: string) => `
import 'reflect-metadata';
import { AggregateRepository, CommandBus, ${containerStyle === 'mneme' ? 'createMnemeContainer' : 'mnemeModule'}, DomainError } from 'mneme';
import { aggregateSpec } from 'mneme/testing';
import { redactConnectionString } from 'mneme/kurrent';
${containerStyle === 'inversify' ? "import { Container } from 'inversify';" : ''}
import { Account, Deposit, Deposited, Open, Opened } from '${domainPath}';

async function main(): Promise<void> {
  ${
    containerStyle === 'mneme'
      ? 'const container = createMnemeContainer({ aggregates: [Account] });'
      : 'const container = new Container();\n  container.load(mnemeModule({ aggregates: [Account] }));'
  }
  const bus: CommandBus = container.get(CommandBus);
  await bus.execute(new Open('a1', 'ada'));
  const result = await bus.execute(new Deposit('a1', 5));
  const account = await container.get(AggregateRepository).load(Account, 'a1');
  await aggregateSpec(Account).given(new Opened('a1', 'ada')).when(new Deposit('a1', 2)).thenEmits(new Deposited('a1', 2));
  const redacted = redactConnectionString('kurrentdb://admin:secret@localhost:2113');
  console.log(JSON.stringify({
    stream: result.streamName,
    revision: String(result.nextExpectedRevision),
    balance: account.balance,
    domainError: typeof DomainError,
    redacted: !redacted.includes('secret'),
  }));
  ${containerStyle === 'mneme' ? 'await container.close();' : ''}
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

const EXPECTED = { stream: 'Account-a1', revision: '1', balance: 5, domainError: 'function', redacted: true };

const tsconfig = (compilerOptions: Record<string, unknown>) =>
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      strictPropertyInitialization: false,
      skipLibCheck: true,
      types: ['node'],
      outDir: 'out',
      rootDir: 'src',
      ...compilerOptions,
    },
    include: ['src'],
  });

interface Mode {
  name: string;
  type: 'commonjs' | 'module';
  compilerOptions: Record<string, unknown>;
  /** How a relative import names the domain file under this resolution. */
  domainPath: string;
  container: 'mneme' | 'inversify';
}

const MODES: Mode[] = [
  // `nest new`'s default: CommonJS output, node10 resolution (subpath types through typesVersions).
  {
    name: 'commonjs-node10',
    type: 'commonjs',
    compilerOptions: { module: 'commonjs', moduleResolution: 'node10' },
    domainPath: './domain',
    container: 'mneme',
  },
  {
    name: 'commonjs-node16',
    type: 'commonjs',
    compilerOptions: { module: 'node16', moduleResolution: 'node16' },
    domainPath: './domain',
    container: 'mneme',
  },
  {
    name: 'commonjs-nodenext',
    type: 'commonjs',
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
    domainPath: './domain',
    container: 'inversify',
  },
  {
    name: 'esm-node16',
    type: 'module',
    compilerOptions: { module: 'node16', moduleResolution: 'node16' },
    domainPath: './domain.js',
    container: 'inversify',
  },
  {
    name: 'esm-nodenext',
    type: 'module',
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
    domainPath: './domain.js',
    container: 'inversify',
  },
  {
    name: 'esm-bundler',
    type: 'module',
    compilerOptions: { module: 'esnext', moduleResolution: 'bundler' },
    domainPath: './domain.js',
    container: 'inversify',
  },
];

describe('an application that installs the packed tarball', () => {
  let tarball: string;
  beforeAll(async () => {
    tarball = await packedTarball();
  }, 240_000);

  for (const mode of MODES) {
    it(`compiles with tsc and runs the bank flow as a ${mode.type} app with module resolution ${mode.name.split('-')[1]}`, () => {
      // The nodenext ES module app has its own copy of inversify (a folder of its own, not the one Mneme
      // was built against): with inversify a peer dependency, Mneme resolves the app's copy.
      const ownInversify = mode.name === 'esm-nodenext';
      const files: Record<string, string> = {
        'package.json': JSON.stringify({ name: `app-${mode.name}`, private: true, type: mode.type }),
        'tsconfig.json': tsconfig(mode.compilerOptions),
        'src/domain.ts': DOMAIN,
        'src/main.ts': flow(mode.container, mode.domainPath),
      };
      if (ownInversify)
        files['node_modules/mneme/resolve-inversify.cjs'] = "console.log(require.resolve('inversify'));";
      const app = createApp(`app-${mode.name}`, tarball, files, ownInversify ? ['inversify'] : []);
      if (ownInversify)
        cpSync(join(root, 'node_modules/inversify'), join(app, 'node_modules/inversify'), { recursive: true });
      compile(app);
      expect(JSON.parse(run(app, 'out/main.js'))).toEqual(EXPECTED);
      if (ownInversify) {
        const manifest = JSON.parse(readFileSync(join(app, 'node_modules/mneme/package.json'), 'utf8')) as Record<
          string,
          Record<string, string> | undefined
        >;
        expect(manifest.dependencies?.inversify).toBeUndefined();
        expect(manifest.peerDependencies?.inversify).toBe('^8.0.0');
        // What Mneme's own import of inversify resolves to, from inside the installed package.
        const fromMneme = run(app, 'node_modules/mneme/resolve-inversify.cjs');
        expect(realpathSync(fromMneme)).toBe(realpathSync(join(app, 'node_modules/inversify/lib/index.js')));
      }
    }, 120_000);
  }

  for (const mode of MODES.filter((m) => m.type === 'commonjs')) {
    it(`gives a ${mode.name} app real types for every subpath, not any`, () => {
      const app = createApp(`app-types-${mode.name}`, tarball, {
        'package.json': JSON.stringify({ name: `app-types-${mode.name}`, private: true }),
        'tsconfig.json': tsconfig(mode.compilerOptions),
        'src/main.ts': [
          "import { CommandBus } from 'mneme';",
          "import { aggregateSpec } from 'mneme/testing';",
          "import { redactConnectionString } from 'mneme/kurrent';",
          "import { MnemeModule } from 'mneme/nestjs';",
          'export const a: number = CommandBus;',
          'export const b: number = aggregateSpec;',
          'export const c: number = redactConnectionString;',
          'export const d: number = MnemeModule;',
        ].join('\n'),
      });
      let failure = '';
      try {
        compile(app);
      } catch (error) {
        failure = (error as Error).message;
      }
      expect(failure.match(/main\.ts.*error TS2322/g)?.length).toBe(4);
      expect(failure).not.toMatch(/TS2307|TS1479/);
    }, 120_000);
  }

  it('tells an app compiled without experimentalDecorators which settings it needs, at run time', () => {
    const app = createApp('app-standard-decorators', tarball, {
      'package.json': JSON.stringify({ name: 'app-standard-decorators', private: true, type: 'module' }),
      // Emitted without type checks, as tsx, esbuild or swc would (tsc itself reports the decorators' types).
      'tsconfig.json': tsconfig({
        module: 'nodenext',
        moduleResolution: 'nodenext',
        experimentalDecorators: false,
        emitDecoratorMetadata: false,
        noCheck: true,
      }),
      'src/domain.ts': DOMAIN,
      'src/main.ts': "import { Account } from './domain.js';\nconsole.log(Account.name);\n",
    });
    compile(app);
    let failure = '';
    try {
      run(app, 'out/main.js');
    } catch (error) {
      failure = (error as Error).message;
    }
    expect(failure).toContain('InvalidDecoratorError');
    expect(failure).toContain('"experimentalDecorators": true');
    expect(failure).toContain('"emitDecoratorMetadata": true');
  }, 120_000);

  it('tells a CommonJS app on a Node without require(esm) which Node versions it needs', () => {
    const app = createApp('app-no-require-esm', tarball, {
      'package.json': JSON.stringify({ name: 'app-no-require-esm', private: true }),
      'main.js': "require('mneme');",
    });
    // --no-experimental-require-module makes this Node behave as Node 20.0-20.18 does.
    expect(() => run(app, 'main.js', ['--no-experimental-require-module'])).toThrow(
      /require\(\) of it needs Node 20\.19\+ or 22\.12\+/,
    );
  }, 60_000);

  it("points stack traces at Mneme's TypeScript sources with --enable-source-maps", () => {
    const app = createApp('app-source-maps', tarball, {
      'package.json': JSON.stringify({ name: 'app-source-maps', private: true }),
      'main.js':
        "try { require('mneme').createMnemeContainer({ retry: 'often' }); } catch (error) { console.log(error.stack); }",
    });
    const stack = run(app, 'main.js', ['--enable-source-maps']);
    expect(stack).toContain('InvalidConfigurationError');
    expect(stack).toMatch(/node_modules\/mneme\/src\/container\/[\w-]+\.ts:\d+:\d+/);
  }, 60_000);

  it('gives one copy of Mneme to an app that both imports and requires it (one registry, one set of classes)', () => {
    const app = createApp('app-mixed', tarball, {
      'package.json': JSON.stringify({ name: 'app-mixed', private: true, type: 'module' }),
      'main.mjs': `
        import { createRequire } from 'node:module';
        import * as imported from 'mneme';
        import * as importedTesting from 'mneme/testing';
        const require = createRequire(import.meta.url);
        const required = require('mneme');
        console.log(JSON.stringify({
          bus: required.CommandBus === imported.CommandBus,
          error: required.MnemeError === imported.MnemeError,
          testing: require('mneme/testing').aggregateSpec === importedTesting.aggregateSpec,
        }));
      `,
    });
    expect(JSON.parse(run(app, 'main.mjs'))).toEqual({ bus: true, error: true, testing: true });
  }, 60_000);
});
