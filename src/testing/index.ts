/** `mneme/testing`: test helpers, starting with an in-process KurrentDB emulator. */
export { startKurrentEmulator } from './kurrent-emulator/start-emulator.js';
export { startKurrentEmulatorCluster } from './kurrent-emulator/cluster.js';
export type {
  KurrentEmulatorCluster,
  KurrentEmulatorClusterOptions,
  KurrentEmulatorNode,
  KurrentEmulatorNodeState,
} from './kurrent-emulator/cluster.js';
export type {
  KurrentEmulator,
  KurrentEmulatorCloseOptions,
  KurrentEmulatorOptions,
  KurrentEmulatorRecovery,
} from './kurrent-emulator/emulator.js';
export type { EmulatorMethod, FaultKind, FaultSpec } from './kurrent-emulator/faults.js';
export {
  EmulatorAddressInUseError,
  EmulatorBindError,
  EmulatorDataCorruptError,
  EmulatorDataDirError,
  EmulatorNoLeaderError,
  InvalidEmulatorOptionError,
  KurrentEmulatorError,
  type KurrentEmulatorErrorCode,
} from './kurrent-emulator/emulator-errors.js';
export { aggregateSpec, AggregateSpecGiven, AggregateSpecWhen } from './aggregate-spec.js';
export { conflictingStore, ConflictingStore, type ConflictingStoreOptions } from './conflicting-store.js';
export { AggregateSpecFailedError } from '../errors/testing-errors.js';
export { processSpec, ProcessSpecGiven, ProcessSpecWhen } from './process-spec.js';
export { ManualClock } from './manual-clock.js';
export { ProcessSpecFailedError } from '../errors/testing-errors.js';
