/** Fault injection: make the next N matching calls fail the way a real cluster would. */
import { status } from '@grpc/grpc-js';
import { notLeader, type RpcError } from './wire.js';

/**
 * - `unavailable`: UNAVAILABLE before anything is done (node down or not ready).
 * - `deadline-exceeded`: DEADLINE_EXCEEDED before anything is done. On BatchAppend, that append
 *   alone is answered in-band with the server's Timeout status and the shared call stays open, as a
 *   server does when a write runs out of time (the client raises DeadlineExceededError either way).
 * - `not-leader`: NOT_FOUND with the `exception: not-leader` and `leader-endpoint-*` trailers the
 *   server sends from a follower; the endpoint is the emulator itself, so the client reconnects here.
 * - `drop-after-write`: the write is applied, then the reply is lost (UNAVAILABLE). Only write
 *   methods can match it; use it to test idempotent retries.
 */
export type FaultKind = 'unavailable' | 'deadline-exceeded' | 'not-leader' | 'drop-after-write';

/** RPC method names of `event_store.client.streams.Streams`, the v2 `StreamsService` and `ServerFeatures`. */
export type EmulatorMethod =
  | 'Read'
  | 'Append'
  | 'BatchAppend'
  | 'Delete'
  | 'Tombstone'
  | 'AppendSession'
  | 'AppendRecords'
  | 'GetSupportedMethods';

export interface FaultSpec {
  readonly kind: FaultKind;
  /** How many matching calls fail; default 1. */
  readonly count?: number;
  /**
   * Which methods count. Default: every Streams method (for `drop-after-write`: every write method).
   * A BatchAppend "call" is one append request on the shared bidi stream; the fault fails the whole
   * bidi stream, as a dropped connection would (except `deadline-exceeded`, answered in-band).
   */
  readonly methods?: readonly EmulatorMethod[];
}

const STREAMS_METHODS: readonly EmulatorMethod[] = [
  'Read',
  'Append',
  'BatchAppend',
  'Delete',
  'Tombstone',
  'AppendSession',
  'AppendRecords',
];
const WRITE_METHODS: readonly EmulatorMethod[] = [
  'Append',
  'BatchAppend',
  'Delete',
  'Tombstone',
  'AppendSession',
  'AppendRecords',
];

interface PendingFault {
  readonly kind: FaultKind;
  readonly methods: ReadonlySet<EmulatorMethod>;
  remaining: number;
}

export class FaultInjector {
  readonly #pending: PendingFault[] = [];

  constructor(private readonly leaderEndpoint: () => { host: string; port: number }) {}

  inject(spec: FaultSpec): void {
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`Fault count must be a positive integer, got ${count}`);
    const allowed = spec.kind === 'drop-after-write' ? WRITE_METHODS : [...STREAMS_METHODS, 'GetSupportedMethods'];
    const methods = spec.methods ?? (spec.kind === 'drop-after-write' ? WRITE_METHODS : STREAMS_METHODS);
    for (const method of methods) {
      if (!allowed.includes(method)) throw new RangeError(`Fault '${spec.kind}' cannot apply to ${method}`);
    }
    this.#pending.push({ kind: spec.kind, methods: new Set(methods), remaining: count });
  }

  /** Faults not yet triggered. */
  get pending(): number {
    return this.#pending.reduce((sum, fault) => sum + fault.remaining, 0);
  }

  clear(): void {
    this.#pending.length = 0;
  }

  /** The error to fail with before doing any work, consuming one matching fault. */
  before(method: EmulatorMethod): RpcError | undefined {
    const kind = this.#take(method, (k) => k !== 'drop-after-write');
    return kind === undefined ? undefined : this.#error(kind);
  }

  /** The error to replace a successful write's reply with, consuming one matching fault. */
  afterWrite(method: EmulatorMethod): RpcError | undefined {
    const kind = this.#take(method, (k) => k === 'drop-after-write');
    return kind === undefined ? undefined : this.#error(kind);
  }

  #take(method: EmulatorMethod, phase: (kind: FaultKind) => boolean): FaultKind | undefined {
    const index = this.#pending.findIndex((fault) => phase(fault.kind) && fault.methods.has(method));
    if (index < 0) return undefined;
    const fault = this.#pending[index]!;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.#pending.splice(index, 1);
    return fault.kind;
  }

  #error(kind: FaultKind): RpcError {
    switch (kind) {
      case 'unavailable':
        return { code: status.UNAVAILABLE, details: 'Server Is Not Ready (injected fault)' };
      case 'deadline-exceeded':
        return { code: status.DEADLINE_EXCEEDED, details: 'Deadline Exceeded (injected fault)' };
      case 'not-leader': {
        const { host, port } = this.leaderEndpoint();
        return notLeader(host, port);
      }
      case 'drop-after-write':
        return { code: status.UNAVAILABLE, details: 'Connection dropped after the write (injected fault)' };
    }
  }
}
