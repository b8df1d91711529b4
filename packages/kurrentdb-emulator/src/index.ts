/** `kurrentdb-emulator`: an in-process KurrentDB wire-protocol emulator, a single node or a cluster. */
export { startKurrentEmulator } from './start-emulator.js';
export { startKurrentEmulatorCluster } from './cluster.js';
export type {
  KurrentEmulatorCluster,
  KurrentEmulatorClusterOptions,
  KurrentEmulatorNode,
  KurrentEmulatorNodeState,
} from './cluster.js';
export type {
  KurrentEmulator,
  KurrentEmulatorCloseOptions,
  KurrentEmulatorOptions,
  KurrentEmulatorRecovery,
} from './emulator.js';
export type { EmulatorMethod, FaultKind, FaultSpec } from './faults.js';
export {
  EmulatorAddressInUseError,
  EmulatorBindError,
  EmulatorDataCorruptError,
  EmulatorDataDirError,
  EmulatorNoLeaderError,
  InvalidEmulatorOptionError,
  KurrentEmulatorError,
  type KurrentEmulatorErrorCode,
} from './emulator-errors.js';
