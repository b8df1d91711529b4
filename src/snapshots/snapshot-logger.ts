/**
 * Where snapshot problems are reported (an unreadable snapshot, a failed snapshot write): they never
 * fail a command, so they must be seen somewhere. Any `{ warn(message, fields) }` fits (pino, a
 * console wrapper...). The default is silent.
 */
export interface SnapshotLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: SnapshotLogger = { warn: () => undefined };
