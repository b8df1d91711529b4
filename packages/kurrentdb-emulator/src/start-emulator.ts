/** `startKurrentEmulator`: one node, or with `nodes` a cluster of them. */
import {
  startKurrentEmulatorCluster,
  type KurrentEmulatorCluster,
  type KurrentEmulatorClusterOptions,
} from './cluster.js';
import { startKurrentEmulatorNode, type KurrentEmulator, type KurrentEmulatorOptions } from './emulator.js';

/**
 * Starts the emulator on `host:port` (default 127.0.0.1 and a free port); with `nodes`, a cluster of
 * that many nodes (see `startKurrentEmulatorCluster`). Bad options are an `InvalidEmulatorOptionError`,
 * a taken address an `EmulatorAddressInUseError`; nothing listens then.
 */
export function startKurrentEmulator(options: KurrentEmulatorClusterOptions): Promise<KurrentEmulatorCluster>;
export function startKurrentEmulator(options?: KurrentEmulatorOptions): Promise<KurrentEmulator>;
export function startKurrentEmulator(
  options: KurrentEmulatorOptions | KurrentEmulatorClusterOptions = {},
): Promise<KurrentEmulator | KurrentEmulatorCluster> {
  if (typeof options === 'object' && options !== null && 'nodes' in options) {
    return startKurrentEmulatorCluster(options);
  }
  return startKurrentEmulatorNode(options);
}
