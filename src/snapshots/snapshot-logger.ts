import type { Logger } from '../logging/logger.js';

/**
 * What snapshots need of a `Logger`: problems that never fail a command (an unreadable snapshot, a
 * failed snapshot write) are reported as warnings, so they are seen somewhere.
 */
export type SnapshotLogger = Pick<Logger, 'warn'>;
