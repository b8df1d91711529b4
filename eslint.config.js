// ESLint checks what the types can prove is a bug; Prettier (npm run format) owns the layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'coverage/', 'node_modules/', 'packages/*/dist/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Promises: a promise nobody awaits loses its rejection; one passed where a callback is
      // expected is never awaited; awaiting what is not a promise hides a misunderstanding.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // Errors are MnemeErrors (or what a caller threw, passed on): no strings or plain objects.
      // JsonProblem and the projection worker's STOP symbol are internal signals, caught nearby.
      '@typescript-eslint/only-throw-error': [
        'error',
        { allow: [{ from: 'file', name: 'JsonProblem' }], allowThrowingUnknown: true, allowRethrowing: true },
      ],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Style, not bugs: `Function` names "any class" in the metadata, boxed primitives are copied on purpose.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-wrapper-object-types': 'off',
      // Prettier's territory (a line starting with `[` after a call is how it breaks long chains).
      'no-unexpected-multiline': 'off',
    },
  },
  {
    // A decorator reads `arguments` to tell a legacy call (target, key, descriptor) from a standard
    // (value, context) one, whatever the arity TypeScript gave it.
    files: ['decorators/**/*.ts'],
    rules: { 'prefer-rest-params': 'off' },
  },
  {
    // Benchmark harnesses hold variants of unrelated setup types side by side.
    files: ['bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: { module: 'readonly', require: 'readonly', process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
);
