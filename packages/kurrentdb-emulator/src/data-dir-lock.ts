/**
 * One emulator per data directory: two writing one log file would interleave their commits. The lock
 * is a file holding the owner's pid, taken with an exclusive create; a lock left by a process that is
 * gone (a crash, a kill -9) is taken over, since no one writes the log any more.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatorDataDirError } from './emulator-errors.js';

export const LOCK_FILE_NAME = 'kurrentdb-emulator.lock';

/** Directories locked by this process: its pid in the lock file says nothing about which emulator. */
const lockedHere = new Set<string>();

/** Takes the lock of `dataDir` (which exists), or throws `EmulatorDataDirError`; returns the release. */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE_NAME);
  if (lockedHere.has(path)) throw inUse(dataDir, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new EmulatorDataDirError(dataDir, (error as Error).message, { cause: error });
      }
      const owner = Number(readFileSync(path, 'utf8').trim());
      // Our own pid, but not locked here: a previous process that had the same pid (a container's pid 1).
      if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw inUse(dataDir, owner);
      }
      rmSync(path, { force: true }); // left by a process that is gone
    }
  }
  lockedHere.add(path);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    lockedHere.delete(path);
    rmSync(path, { force: true });
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const inUse = (dataDir: string, pid: number) =>
  new EmulatorDataDirError(dataDir, `another emulator (pid ${pid}) keeps its log there; one emulator per directory`);
