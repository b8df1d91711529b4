import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';
import { processSpec } from 'mneme/testing';
import { CreditForTransfer, DebitForTransfer, TransferDebited } from '../../examples/bank-account/domain.js';
import { APPROVAL_TIMEOUT_MS, ApprovalTimedOut, FinishTransfer, MoneyTransfers, TransferRequested } from '../../examples/bank-account/transfers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('docs/process-managers.md', () => {
  it('type-checks every TypeScript block as a user file at the top level', () => {
    const pages = ['docs/process-managers.md', 'docs/drafts/process-managers.md'].map((page) => readFileSync(join(root, page), 'utf8'));
    const blocks = pages.flatMap((page) => [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!));
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const outDir = join(root, '.process-managers-doc-check');
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const files = blocks.map((code, index) => {
      const file = join(outDir, `block-${index + 1}.ts`);
      writeFileSync(file, code.replace(/from '\.\//g, "from '../"));
      return file;
    });
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || files.includes(resolve(d.file.fileName)))
      .map((d) => `${d.file?.fileName ?? ''} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    rmSync(outDir, { recursive: true, force: true });
    expect(diagnostics).toEqual([]);
  }, 60_000);

  it("holds: the page's processSpec examples pass on the bank-account example", async () => {
    await processSpec(MoneyTransfers).when(new TransferRequested('t-1', 'alice', 'bob', 30)).thenSends(new DebitForTransfer('alice', 't-1', 30));
    await processSpec(MoneyTransfers)
      .given(new TransferRequested('t-1', 'alice', 'bob', 30))
      .when(new TransferDebited('alice', 't-1', 30))
      .thenSends(new CreditForTransfer('bob', 't-1', 30));
    await processSpec(MoneyTransfers)
      .when(new TransferRequested('t-2', 'alice', 'bob', 5000))
      .thenSchedules({ message: new ApprovalTimedOut('t-2'), afterMs: APPROVAL_TIMEOUT_MS });
    await processSpec(MoneyTransfers)
      .given(new TransferRequested('t-2', 'alice', 'bob', 5000))
      .when(new ApprovalTimedOut('t-2'), { processId: 't-2' })
      .thenSends(new FinishTransfer('t-2', 'timed out', 'no approval within 15 minutes'));
  });
});
