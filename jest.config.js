import { readdirSync } from 'node:fs';

/** Jest runs TypeScript through ts-jest's ESM preset (inversify 8 is ESM-only).
 * `npm test` type-checks with tsc first: ts-jest with isolatedModules only transpiles.
 * One project per kind of test (a folder of test/), so `npm test -- --selectProjects unit` runs one kind. */
const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // build/ (npm start) and dist/ hold compiled copies and a second 'mneme' manifest.
  modulePathIgnorePatterns: ['<rootDir>/build/', '<rootDir>/dist/', '<rootDir>/packages/[^/]+/dist/'],
  moduleNameMapper: {
    '^mneme$': '<rootDir>/src/index.ts',
    '^mneme/kurrent$': '<rootDir>/src/kurrent/index.ts',
    '^mneme/testing$': '<rootDir>/src/testing/index.ts',
    '^mneme/nestjs$': '<rootDir>/src/nestjs/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
};

/** Each folder of test/ (but support/) is a kind, so a new folder is never left out; docs/testing.md
 * says what each holds. */
const kinds = readdirSync(new URL('./test/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'support')
  .map((entry) => entry.name);

/** The emulator package's own tests, with its own tsconfig and no `mneme` aliases: it stands alone. */
const emulatorPackage = {
  ...shared,
  displayName: 'kurrentdb-emulator',
  testMatch: ['<rootDir>/packages/kurrentdb-emulator/test/**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'packages/kurrentdb-emulator/tsconfig.json' }],
  },
};

export default {
  testTimeout: 30000,
  projects: [
    ...kinds.map((name) => ({ ...shared, displayName: name, testMatch: [`<rootDir>/test/${name}/**/*.test.ts`] })),
    { ...shared, displayName: 'docs', testMatch: ['<rootDir>/test/docs.test.ts'] },
    emulatorPackage,
  ],
};
