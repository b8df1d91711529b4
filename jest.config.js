/** Jest runs TypeScript through ts-jest's ESM preset (inversify 8 is ESM-only).
 * `npm test` type-checks with tsc first: ts-jest with isolatedModules only transpiles. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^mneme$': '<rootDir>/src/index.ts',
    '^mneme/kurrent$': '<rootDir>/src/kurrent/index.ts',
    '^mneme/testing$': '<rootDir>/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
};
