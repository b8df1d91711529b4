/** Stream metadata (`$$<stream>`) as the server applies it at read time. */
import type { LogRecord } from './records.js';

/** Soft delete writes exactly this, replacing whatever metadata was there. */
export const SOFT_DELETED_METADATA = '{"$tb":9223372036854775807}';
// Compared textually: long.MaxValue does not survive JSON.parse as a JS number.
const DELETED_MARKER = /"\$tb"\s*:\s*9223372036854775807(?![0-9])/;

export const METASTREAM_PREFIX = '$$';
export const isMetastream = (stream: string): boolean => stream.startsWith(METASTREAM_PREFIX);
export const metastreamOf = (stream: string): string => METASTREAM_PREFIX + stream;
export const originalStreamOf = (metastream: string): string => metastream.slice(METASTREAM_PREFIX.length);

export interface StreamMetadata {
  readonly softDeleted: boolean;
  readonly truncateBefore?: number;
  readonly maxCount?: number;
  readonly maxAgeSeconds?: number;
  /** The parsed JSON object, so an un-delete can keep the other keys. */
  readonly raw: Record<string, unknown>;
}

export const NO_METADATA: StreamMetadata = { softDeleted: false, raw: {} };

const nonNegativeInteger = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;

export function parseStreamMetadata(record: LogRecord | undefined): StreamMetadata {
  if (!record) return NO_METADATA;
  const text = Buffer.from(record.data).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return NO_METADATA; // the server ignores metadata it cannot parse
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return NO_METADATA;
  const fields = raw as Record<string, unknown>;
  return {
    softDeleted: DELETED_MARKER.test(text),
    truncateBefore: nonNegativeInteger(fields.$tb),
    maxCount: nonNegativeInteger(fields.$maxCount),
    maxAgeSeconds: nonNegativeInteger(fields.$maxAge),
    raw: fields,
  };
}
