import { InvalidDecoratorError } from '../src/errors/decorator-errors.js';

/** Why a decorator called the TC39 way fails, and what to set instead. */
export const LEGACY_DECORATORS_REQUIRED =
  'it was called as a standard (TC39) decorator, as happens when "experimentalDecorators" is off. Mneme, ' +
  "inversify and class-transformer use TypeScript's legacy decorators and their metadata: set " +
  '"experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json\'s compilerOptions, and compile ' +
  'with tsc or ts-jest (swc: jsc.parser.decorators, jsc.transform.legacyDecorator and jsc.transform.decoratorMetadata; ' +
  'tsx and esbuild read experimentalDecorators but emit no decorator metadata, so inject by explicit tokens there)';

/**
 * Throws InvalidDecoratorError when a decorator got the TC39 arguments `(value, context)`: the
 * second argument of a legacy decorator is a property key (or nothing, on a class), never an
 * object with a `kind`.
 */
export function rejectStandardDecoratorCall(decorator: string, args: ArrayLike<unknown>): void {
  const context = args[1];
  if (typeof context === 'object' && context !== null && typeof (context as { kind?: unknown }).kind === 'string') {
    const name = (context as { name?: unknown }).name;
    throw new InvalidDecoratorError(
      decorator,
      LEGACY_DECORATORS_REQUIRED,
      typeof name === 'string' || typeof name === 'symbol' ? String(name) : undefined,
    );
  }
}
