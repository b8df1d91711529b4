import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
});
