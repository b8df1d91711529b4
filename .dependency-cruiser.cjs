/**
 * The layering rules (docs/architecture.md, "The floor plan"), checked by `npm test` (npm run check:layers).
 * Type-only imports count: a folder that names another's types depends on it.
 * Not seen here: `createRequire` loads (src/kurrent/kurrent-client.ts, the emulator's
 * packages/kurrentdb-emulator/src/protocol.ts);
 * test/package/published-package.test.ts checks at run time that the root entry loads no client.
 */
const OUR_CODE = '^(src|decorators|packages)/';
/** The KurrentDB emulator, a workspace package of its own (kurrentdb-emulator), re-exported by mneme/testing. */
const EMULATOR = '^packages/kurrentdb-emulator/';

/**
 * The floors of src/, lowest first: a folder imports only folders below it (and decorators/, which
 * itself imports only src/errors). The walk of a command goes down them: commands → repository →
 * snapshots → aggregate → events → store.
 */
const FLOORS = [
  'errors',
  'options',
  'logging',
  'store',
  'telemetry',
  'events',
  'aggregate',
  'snapshots',
  'repository',
  'kurrent',
  'commands',
  'projections',
  'process-managers',
  'container',
  'nestjs',
  'testing',
];

const floorRules = FLOORS.slice(0, -1).map((floor, index) => ({
  name: `${floor}-imports-only-lower-floors`,
  comment: `src/${floor} may import only ${FLOORS.slice(0, index).join(', ') || 'nothing of ours'} (and decorators/): ${FLOORS.slice(index + 1).join(', ')} sit above it.`,
  severity: 'error',
  from: { path: `^src/${floor}/` },
  to: { path: `^src/(${FLOORS.slice(index + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: 'no-folder-cycles',
      comment: 'Two folders that import each other are one tangle: move the shared piece down a floor.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'errors-import-nothing-of-ours',
      comment: 'src/errors is the ground floor: every other folder may throw its errors.',
      severity: 'error',
      from: { path: '^src/errors/' },
      to: { path: OUR_CODE, pathNot: '^src/errors/' },
    },
    {
      name: 'decorators-import-only-errors',
      comment: 'The annotation vocabulary raises Mneme errors at decoration time and needs nothing else of ours.',
      severity: 'error',
      from: { path: '^decorators/' },
      to: { path: '^src/', pathNot: '^src/errors/' },
    },
    {
      name: 'store-knows-no-events-aggregates-or-commands',
      comment: 'Stores move JSON records; what an event, aggregate or command is lives above them.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: OUR_CODE, pathNot: '^src/(store|errors|options)/' },
    },
    {
      name: 'only-kurrent-uses-the-client-api',
      comment:
        'src/kurrent is the one place that speaks @kurrent/kurrentdb-client; everything else goes through EventStore.',
      severity: 'error',
      from: { path: OUR_CODE, pathNot: '^src/kurrent/' },
      to: { path: '@kurrent/kurrentdb-client', pathNot: '@kurrent/kurrentdb-client/generated/' },
    },
    {
      name: 'only-the-emulator-uses-the-generated-protocol',
      comment: "The emulator speaks the pinned client's wire protocol through its generated classes; nothing else may.",
      severity: 'error',
      from: { path: OUR_CODE, pathNot: EMULATOR },
      to: { path: '@kurrent/kurrentdb-client/generated/' },
    },
    {
      name: 'the-emulator-imports-nothing-of-mneme',
      comment: 'kurrentdb-emulator is a package of its own, for any client in any language: it needs nothing of Mneme.',
      severity: 'error',
      from: { path: EMULATOR },
      to: { path: '^(src|decorators)/' },
    },
    {
      name: 'only-mneme-testing-reexports-the-emulator',
      comment:
        "mneme/testing (src/testing/index.ts) re-exports the emulator package's public entry unchanged; nothing else of Mneme imports it.",
      severity: 'error',
      from: { path: '^(src|decorators)/', pathNot: '^src/testing/index\\.ts$' },
      to: { path: EMULATOR },
    },
    {
      name: 'mneme-testing-uses-only-the-emulator-entry',
      comment:
        "What mneme/testing re-exports is the package's public surface (its src/index.ts), never a file inside it.",
      severity: 'error',
      from: { path: '^src/testing/index\\.ts$' },
      to: { path: EMULATOR, pathNot: `${EMULATOR}src/index\\.ts$` },
    },
    {
      name: 'engine-does-not-reach-testing-or-the-container',
      comment: 'mneme/testing, mnemeModule and mneme/nestjs sit on top: nothing below imports them.',
      severity: 'error',
      from: { path: OUR_CODE, pathNot: '^src/(testing|container|nestjs|index\\.ts)' },
      to: { path: '^src/(testing|container|nestjs)/' },
    },
    {
      name: 'only-nestjs-uses-nestjs',
      comment:
        'NestJS is an optional peer: only the mneme/nestjs subpath may load it, and nothing of ours imports that subpath.',
      severity: 'error',
      from: { path: OUR_CODE, pathNot: '^src/nestjs/' },
      to: { path: '(^|/)@nestjs/|^src/nestjs/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|bench|examples|dist|build)/|^packages/[^/]+/(test|dist|scripts)/' },
  },
};
