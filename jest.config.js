/** Jest runs TypeScript through ts-jest's ESM preset (inversify 8 is ESM-only).
 * `npm test` type-checks with tsc first: ts-jest with isolatedModules only transpiles.
 * One project per kind of test (a folder of test/), so `npm test -- --selectProjects unit` runs one kind. */
const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // build/ (npm start) and dist/ hold compiled copies and a second 'mneme' manifest.
  modulePathIgnorePatterns: ['<rootDir>/build/', '<rootDir>/dist/'],
  moduleNameMapper: {
    '^mneme$': '<rootDir>/src/index.ts',
    '^mneme/kurrent$': '<rootDir>/src/kurrent/index.ts',
    '^mneme/testing$': '<rootDir>/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
};

/** [name, what it holds]: the README's "Tests" section lists the same. */
const kinds = [
  ['unit', 'one piece at a time, in memory'],
  ['contract', 'the EventStore contract, run against every store'],
  ['emulator', "the KurrentDB emulator, through the real client (emulator-only)"],
  ['integration', 'KurrentEventStore through the real client, on the emulator or a real server'],
  ['concurrency', 'many containers on one hot stream'],
  ['examples', 'the examples, run'],
  ['package', 'the built package: tarball contents, what importing it loads'],
];

export default {
  testTimeout: 30000,
  projects: [
    ...kinds.map(([name]) => ({ ...shared, displayName: name, testMatch: [`<rootDir>/test/${name}/**/*.test.ts`] })),
    { ...shared, displayName: 'readme', testMatch: ['<rootDir>/test/readme.test.ts'] },
  ],
};
