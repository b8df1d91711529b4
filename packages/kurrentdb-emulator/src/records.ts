/** What the in-memory log stores, in the server's own vocabulary (expected versions as longs). */

/** Expected-version sentinels, as the server encodes them internally. Exact revisions are N >= 0. */
export const WIRE_ANY = -2;
export const WIRE_NO_STREAM = -1;
export const WIRE_STREAM_EXISTS = -4;

/** `$streamDeleted` records carry revision long.MaxValue; it only ever travels as a string. */
export const TOMBSTONE_REVISION = '9223372036854775807';

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export interface LogRecord extends ProposedEvent {
  readonly stream: string;
  /** Stream revision; ignored on the wire for tombstones, which use TOMBSTONE_REVISION. */
  readonly revision: number;
  readonly isTombstone: boolean;
  /** Commit and prepare position in `$all` (they are equal for single-record commits). */
  readonly position: number;
  readonly createdMs: number;
}

export type WriteOutcome =
  /** lastRevision -1 means no_stream; position -1 means nothing was written. */
  | { readonly kind: 'success'; readonly lastRevision: number; readonly position: number }
  /** currentRevision -1 means the stream has no events. */
  | { readonly kind: 'wrong-expected-version'; readonly currentRevision: number }
  | { readonly kind: 'stream-deleted' };
