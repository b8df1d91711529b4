/**
 * `preset: 'mneme'`: Jest for an application that uses Mneme, CommonJS or ES module alike.
 *
 * Mneme and inversify 8 are ES modules, and Jest can `require` an ES module only on Node 24.9+, so
 * tests run as ES modules: run Jest with NODE_OPTIONS=--experimental-vm-modules. ts-jest compiles
 * the TypeScript files to ES modules (module ESNext over the app's tsconfig.json, which keeps its
 * experimentalDecorators and emitDecoratorMetadata); `./x.js` imports resolve to `./x.ts`.
 */
module.exports = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts', '.tsx', '.mts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.(ts|tsx|mts)$': ['ts-jest', { useESM: true, tsconfig: { module: 'ESNext' } }] },
};
