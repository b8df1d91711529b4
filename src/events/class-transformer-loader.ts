import { createRequire } from 'node:module';
import type * as ClassTransformer from 'class-transformer';

let loaded: typeof ClassTransformer | undefined;

/**
 * class-transformer, loaded on first use: only event classes with its decorators, snapshots and
 * process managers' commands need it, and loading its modules is a visible share of a process's
 * start-up. Its CommonJS build, which is what `import ... from 'class-transformer'` resolves to in
 * Node too: the same module and metadata storage as the decorators of the application's classes.
 */
export function classTransformer(): typeof ClassTransformer {
  return (loaded ??= createRequire(import.meta.url)('class-transformer') as typeof ClassTransformer);
}
