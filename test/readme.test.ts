import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The ```ts blocks of the README, as they would stand in a file at the repository's top level. */
function readmeBlocks(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** The lines of the README section under `## title`, up to the next `## `. */
function section(title: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no '## ${title}' section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

describe('README', () => {
  it('has TypeScript examples', () => {
    expect(readmeBlocks().length).toBeGreaterThanOrEqual(3);
  });

  it('type-checks every TypeScript block against the public API', () => {
    const outDir = join(root, '.readme-check');
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const files = readmeBlocks().map((code, index) => {
      const file = join(outDir, `block-${index + 1}.ts`);
      // Blocks are written as if at the top level; the check folder is one level down.
      writeFileSync(file, code.replace(/from '\.\//g, "from '../"));
      return file;
    });
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || files.includes(resolve(d.file.fileName)))
      .map((d) => {
        const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
        return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    rmSync(outDir, { recursive: true, force: true });
    expect(diagnostics).toEqual([]);
  }, 60_000);

  it('lists every error code once in its Errors table', async () => {
    const { MNEME_ERROR_CODES } = await import('../src/errors/error-codes.js');
    const rows = section('Errors').split('\n').filter((line) => line.startsWith('| `'));
    const listed = rows.map((row) => /\| `(MNEME_[A-Z_]+)` \|/.exec(row)?.[1]).filter((code) => code !== undefined);
    expect([...listed].sort()).toEqual([...MNEME_ERROR_CODES].sort());
  });

  it('names every test project (every folder of test/ but support/) in its Tests table', () => {
    const folders = readdirSync(join(root, 'test'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'support')
      .map((entry) => entry.name);
    const table = section('Tests');
    for (const folder of folders) expect(table).toContain(`| \`${folder}\` | \`test/${folder}\` |`);
  });

  it('links only to headings and files that exist', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const outsideCode = readme.replace(/```[\s\S]*?```/g, '');
    const anchors = new Set([...outsideCode.matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1]!)));
    for (const [, target] of outsideCode.matchAll(/\]\(([^)]+)\)/g)) {
      if (target!.startsWith('http')) continue;
      if (target!.startsWith('#')) expect(anchors).toContain(target!.slice(1));
      else expect(existsSync(join(root, target!.split('#')[0]!))).toBe(true);
    }
  });
});
