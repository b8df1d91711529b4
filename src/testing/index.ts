/** `mneme/testing`: test helpers, and the KurrentDB emulator of the `kurrentdb-emulator` package
 * (packages/kurrentdb-emulator), re-exported unchanged and compiled into Mneme's own build. */
export {
  startKurrentEmulator,
  startKurrentEmulatorCluster,
  EmulatorAddressInUseError,
  EmulatorBindError,
  EmulatorDataCorruptError,
  EmulatorDataDirError,
  EmulatorNoLeaderError,
  InvalidEmulatorOptionError,
  KurrentEmulatorError,
  type KurrentEmulatorErrorCode,
  type KurrentEmulatorCluster,
  type KurrentEmulatorClusterOptions,
  type KurrentEmulatorNode,
  type KurrentEmulatorNodeState,
  type KurrentEmulator,
  type KurrentEmulatorCloseOptions,
  type KurrentEmulatorOptions,
  type KurrentEmulatorRecovery,
  type EmulatorMethod,
  type FaultKind,
  type FaultSpec,
} from '../../packages/kurrentdb-emulator/src/index.js';
export { aggregateSpec, AggregateSpecGiven, AggregateSpecWhen } from './aggregate-spec.js';
export { conflictingStore, ConflictingStore, type ConflictingStoreOptions } from './conflicting-store.js';
export { AggregateSpecFailedError } from '../errors/testing-errors.js';
export { processSpec, ProcessSpecGiven, ProcessSpecWhen } from './process-spec.js';
export { ManualClock } from './manual-clock.js';
export { ProcessSpecFailedError } from '../errors/testing-errors.js';
