/**
 * The emulator's log on disk (`dataDir`): one append-only file of commit frames, each written and
 * fsynced before the call is answered. A frame is [payload length: u32 LE][first 8 bytes of the
 * payload's SHA-256][payload: the commit's records as JSON]. On open, the frames are read back; a torn
 * last frame (cut short, or not matching its checksum, as a crash mid-write leaves it) is dropped and
 * cut off the file; a bad frame with good ones after it is corruption, and the emulator does not start.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock.js';
import { EmulatorDataCorruptError, EmulatorDataDirError } from './emulator-errors.js';
import type { LogJournal } from './log.js';
import type { LogRecord } from './records.js';

export const LOG_FILE_NAME = 'kurrentdb-emulator.log';
const HEADER = 12;

/** What opening a data directory found. */
export interface LogFileRecovery {
  /** Commits read back. */
  readonly commits: number;
  readonly records: readonly LogRecord[];
  /** Bytes of a torn last commit, dropped (0 when the file ended cleanly). */
  readonly droppedBytes: number;
}

export class LogFile implements LogJournal {
  #fd: number | undefined;

  private constructor(
    fd: number,
    readonly path: string,
    private readonly unlock: () => void,
  ) {
    this.#fd = fd;
  }

  /** Opens (or creates) the log in `dataDir` and reads it back. */
  static open(dataDir: string): { file: LogFile; recovery: LogFileRecovery } {
    const path = join(dataDir, LOG_FILE_NAME);
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw new EmulatorDataDirError(dataDir, (error as Error).message, { cause: error });
    }
    const unlock = lockDataDir(dataDir);
    let fd: number | undefined;
    try {
      let content: Buffer;
      try {
        const created = !existsSync(path);
        fd = openSync(path, 'a+');
        if (created) syncDirectory(dataDir); // the new file's name survives a power cut too
        content = readFileSync(path);
      } catch (error) {
        throw new EmulatorDataDirError(dataDir, (error as Error).message, { cause: error });
      }
      const recovery = readFrames(content, path);
      if (recovery.droppedBytes > 0) {
        ftruncateSync(fd, content.length - recovery.droppedBytes);
        fsyncSync(fd);
      }
      return { file: new LogFile(fd, path, unlock), recovery };
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      unlock();
      throw error;
    }
  }

  commit(records: readonly LogRecord[]): void {
    if (records.length === 0) return;
    if (this.#fd === undefined) throw new Error(`kurrent-emulator: ${this.path} is closed`);
    const payload = Buffer.from(JSON.stringify(records.map(toJson)));
    const frame = Buffer.alloc(HEADER + payload.length);
    frame.writeUInt32LE(payload.length, 0);
    checksum(payload).copy(frame, 4);
    payload.copy(frame, HEADER);
    // 'a+' appends every write at the end; the fsync makes the commit durable before it is answered.
    writeSync(this.#fd, frame);
    fsyncSync(this.#fd);
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    this.unlock();
  }
}

function readFrames(content: Buffer, path: string): LogFileRecovery {
  const records: LogRecord[] = [];
  let commits = 0;
  let offset = 0;
  while (offset < content.length) {
    const torn = { commits, records, droppedBytes: content.length - offset };
    if (content.length - offset < HEADER) return torn;
    const length = content.readUInt32LE(offset);
    const end = offset + HEADER + length;
    if (end > content.length) return torn;
    const payload = content.subarray(offset + HEADER, end);
    const parsed = checksum(payload).equals(content.subarray(offset + 4, offset + HEADER)) ? parse(payload) : undefined;
    if (!parsed) {
      if (end === content.length) return torn;
      throw new EmulatorDataCorruptError(path, offset);
    }
    records.push(...parsed);
    commits += 1;
    offset = end;
  }
  return { commits, records, droppedBytes: 0 };
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function checksum(payload: Buffer): Buffer {
  return createHash('sha256')
    .update(payload)
    .digest()
    .subarray(0, HEADER - 4);
}

interface RecordJson {
  readonly stream: string;
  readonly revision: number;
  readonly isTombstone: boolean;
  readonly position: number;
  readonly createdMs: number;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: string;
  readonly customMetadata: string;
}

function toJson(record: LogRecord): RecordJson {
  return {
    stream: record.stream,
    revision: record.revision,
    isTombstone: record.isTombstone,
    position: record.position,
    createdMs: record.createdMs,
    id: record.id,
    type: record.type,
    contentType: record.contentType,
    data: Buffer.from(record.data).toString('base64'),
    customMetadata: Buffer.from(record.customMetadata).toString('base64'),
  };
}

function parse(payload: Buffer): LogRecord[] | undefined {
  try {
    const records = JSON.parse(payload.toString('utf8')) as RecordJson[];
    return records.map((record) => ({
      ...record,
      data: new Uint8Array(Buffer.from(record.data, 'base64')),
      customMetadata: new Uint8Array(Buffer.from(record.customMetadata, 'base64')),
    }));
  } catch {
    return undefined;
  }
}
