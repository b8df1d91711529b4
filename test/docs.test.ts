import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The README's size limit: a front door, not the manual. */
const README_MAX_BYTES = 15 * 1024;

/**
 * Examples that need the bank account import it from './domain.js': the domain of
 * examples/bank-account/domain.ts, as it would stand in a file beside the user's own.
 */
const DOMAIN_IMPORT = './domain.js';
/** The example's transfer process manager, beside its domain. */
const TRANSFERS_IMPORT = './transfers.js';
/** A block that adds to Mneme's types by declaration merging (`declare module 'mneme' { ... }`). */
const AUGMENTS_MNEME = /declare module 'mneme'/;

/** The emulator package's README: its full reference, checked as the pages are. */
const EMULATOR_README = 'packages/kurrentdb-emulator/README.md';

/** README.md, every page under docs/ (drafts included) and the emulator package's README, as paths relative to the repository. */
function pages(): string[] {
  const found = ['README.md', EMULATOR_README];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  };
  if (existsSync(join(root, 'docs'))) walk('docs');
  return found;
}

const read = (page: string): string => readFileSync(join(root, page), 'utf8');
const isDraft = (page: string): boolean => page.startsWith('docs/drafts/');

interface Block {
  readonly page: string;
  readonly line: number;
  readonly code: string;
}

/** The ```ts blocks of a page, with the line each starts on. */
function blocksOf(page: string): Block[] {
  const text = read(page);
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => ({
    page,
    line: text.slice(0, match.index).split('\n').length + 1,
    code: match[1]!,
  }));
}

/** Module specifiers a block imports (static imports and re-exports). */
function importsOf(code: string): string[] {
  return [...code.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)].map(
    (m) => (m[1] ?? m[2])!,
  );
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

const outsideCode = (text: string): string => text.replace(/^```[\s\S]*?^```/gm, '');
const anchorsOf = (page: string): Set<string> =>
  new Set([...outsideCode(read(page)).matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1]!)));

/** Type-checks files with the repository's compiler options (paths map 'mneme' and its subpaths to src/,
 * 'kurrentdb-emulator' to the package's sources). */
function diagnosticsOf(files: string[], overrides: ts.CompilerOptions = {}): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const paths = { ...parsed.options.paths, 'kurrentdb-emulator': ['./packages/kurrentdb-emulator/src/index.ts'] };
  // A user's project has no Jest globals: only Node's types.
  const program = ts.createProgram(files, { ...parsed.options, paths, types: ['node'], ...overrides, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.includes(resolve(d.file.fileName)))
    .map((d) => {
      const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

/** Writes blocks as files of a check folder (one level below the top), beside a copy of the example domain. */
function writeBlocks(outDir: string, blocks: Block[]): Map<string, Block> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  copyFileSync(join(root, 'examples/bank-account/domain.ts'), join(outDir, 'domain.ts'));
  copyFileSync(join(root, 'examples/bank-account/transfers.ts'), join(outDir, 'transfers.ts'));
  const files = new Map<string, Block>();
  blocks.forEach((block, index) => {
    const file = join(outDir, `${block.page.replace(/[^a-zA-Z0-9]+/g, '-')}-${block.line}-${index}.ts`);
    // A draft may still import the repository's own files as if from the top level.
    const code = isDraft(block.page)
      ? block.code.replace(/from '\.\/(?!(domain|transfers)\.js')/g, "from '../")
      : block.code;
    writeFileSync(file, code);
    files.set(file, block);
  });
  return files;
}

describe('the docs', () => {
  it('are README.md and a page per topic under docs/', () => {
    expect(pages()).toEqual(
      expect.arrayContaining(['README.md', 'docs/README.md', 'docs/errors.md', 'docs/testing.md', EMULATOR_README]),
    );
  });

  it(`keep README.md under ${README_MAX_BYTES / 1024} KB`, () => {
    expect(statSync(join(root, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('have TypeScript examples, in the README and in the pages', () => {
    expect(blocksOf('README.md').length).toBeGreaterThanOrEqual(1);
    expect(pages().flatMap(blocksOf).length).toBeGreaterThanOrEqual(15);
  });

  it("import only packages, 'mneme' and its subpaths, or the example domain, as a user's code would", () => {
    const strays = pages()
      .filter((page) => !isDraft(page))
      .flatMap(blocksOf)
      .flatMap((block) => importsOf(block.code).map((specifier) => ({ at: `${block.page}:${block.line}`, specifier })))
      .filter(
        ({ specifier }) => specifier.startsWith('.') && specifier !== DOMAIN_IMPORT && specifier !== TRANSFERS_IMPORT,
      );
    expect(strays).toEqual([]);
  });

  it('type-check every TypeScript block against the public API', () => {
    const outDir = join(root, '.docs-check');
    const files = writeBlocks(outDir, pages().flatMap(blocksOf));
    try {
      // A block that augments Mneme's types (declaration merging) is checked on its own, as the one
      // augmentation of its app: in the shared program it would retype every other block.
      const augmenting = [...files].filter(([, block]) => AUGMENTS_MNEME.test(block.code)).map(([file]) => file);
      const shared = [...files.keys()].filter((file) => !augmenting.includes(file));
      const diagnostics = [diagnosticsOf(shared), ...augmenting.map((file) => diagnosticsOf([file]))]
        .flat()
        .map((message) => {
          const [file] = message.split(':');
          const block = files.get(file!);
          return block
            ? `${block.page} (block at line ${block.line}): ${message.slice(message.indexOf(' ') + 1)}`
            : message;
        });
      expect(diagnostics).toEqual([]);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);

  it("compile the README's example with the README's sample tsconfig.json", () => {
    const readme = read('README.md');
    const sample = /```json\n(\{[\s\S]*?"compilerOptions"[\s\S]*?)```/.exec(readme)?.[1];
    expect(sample).toBeDefined();
    const { compilerOptions } = JSON.parse(sample!) as { compilerOptions: object };
    const converted = ts.convertCompilerOptionsFromJson(compilerOptions, root);
    expect(converted.errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n'))).toEqual([]);
    const outDir = join(root, '.docs-check-tsconfig');
    const files = writeBlocks(outDir, blocksOf('README.md'));
    try {
      // The sample's settings replace the repository's; only the resolution of 'mneme' to src/ stays.
      const repo = ts.parseJsonConfigFileContent(
        ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config,
        ts.sys,
        root,
      );
      const options: ts.CompilerOptions = {
        ...converted.options,
        paths: repo.options.paths,
        pathsBasePath: repo.options.pathsBasePath,
        types: ['node'],
        noEmit: true,
      };
      const program = ts.createProgram([...files.keys()], options);
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .filter((d) => d.file !== undefined && files.has(resolve(d.file.fileName)))
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('list every error code once, in the table of docs/errors.md', async () => {
    const { MNEME_ERROR_CODES } = await import('../src/errors/error-codes.js');
    const rows = read('docs/errors.md')
      .split('\n')
      .filter((line) => line.startsWith('| `MNEME_'));
    const listed = rows.map((row) => /^\| `(MNEME_[A-Z_]+)` \|/.exec(row)?.[1]).filter((code) => code !== undefined);
    expect([...listed].sort()).toEqual([...MNEME_ERROR_CODES].sort());
  });

  it('name in docs/errors.md, for each code, the exported class that carries it', async () => {
    const entries = { ...(await import('../src/index.js')), ...(await import('../src/testing/index.js')) } as Record<
      string,
      unknown
    >;
    const wrong = read('docs/errors.md')
      .split('\n')
      .map((row) => /^\| `(MNEME_[A-Z_]+)` \| `(\w+)`/.exec(row))
      .filter((match) => match !== null)
      .filter(([, code, name]) => (entries[name!] as { code?: unknown } | undefined)?.code !== code)
      .map(([, code, name]) => `${code}: ${name}`);
    expect(wrong).toEqual([]);
  });

  it('name every test project (every folder of test/ but support/, and each package) in the table of docs/testing.md', () => {
    const folders = readdirSync(join(root, 'test'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'support')
      .map((entry) => entry.name);
    const testing = read('docs/testing.md');
    for (const folder of folders) expect(testing).toContain(`| \`${folder}\` | \`test/${folder}\` |`);
    for (const name of readdirSync(join(root, 'packages'))) {
      expect(testing).toContain(`| \`${name}\` | \`packages/${name}/test\` |`);
    }
  });

  it('link only to headings and files that exist, inside the repository', () => {
    const broken: string[] = [];
    for (const page of pages()) {
      for (const [, target] of outsideCode(read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?|mailto):/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path === '' ? join(root, page) : resolve(root, dirname(page), path);
        const inside = !relative(root, file).startsWith('..');
        if (!inside || !existsSync(file)) broken.push(`${page}: ${target} (no such file in the repository)`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(relative(root, file)).has(anchor)) {
          broken.push(`${page}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('index every page of docs/ in docs/README.md', () => {
    const index = read('docs/README.md');
    const topics = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md') && name !== 'README.md');
    for (const topic of topics) expect(index).toContain(`](${topic})`);
  });

  it('leave benchmark results to bench/README.md: docs/performance.md links there, no page holds a results table', () => {
    expect(read('docs/performance.md')).toContain('](../bench/README.md)');
    const tables = pages().filter((page) => /^\|.*\bops\/s\b.*\|$/m.test(read(page)));
    expect(tables).toEqual([]);
  });

  it('speak of the product only: no tracker numbers, no files outside the repository', () => {
    const strays = pages().flatMap((page) =>
      read(page)
        .split('\n')
        .map((text, index) => ({ at: `${page}:${index + 1}`, text }))
        .filter(({ text }) => /\bissues? #?\d+|\btargets? \d+\b|\.\.\/shared\/|\/work\//i.test(text)),
    );
    expect(strays).toEqual([]);
  });
});
