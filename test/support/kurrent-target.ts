/** Where the KurrentDB conformance suite runs: the in-process emulator, or a real server when
 * `KURRENTDB_CONNECTION_STRING` is set. One helper for Mneme's suites and the emulator package's own. */
export * from '../../packages/kurrentdb-emulator/test/support/kurrent-target.js';
