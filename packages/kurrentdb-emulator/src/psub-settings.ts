/** A group's settings as the server keeps them, parsed from CreateReq/UpdateReq the way its gRPC
 * layer does (deprecated fields included: the Node client still sends `settings.revision`). */
import { persistentPb } from './protocol.js';
import type {
  CreateReq,
  UpdateReq,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/persistentsubscriptions_pb.js';

export type ConsumerStrategyName = 'DispatchToSingle' | 'RoundRobin' | 'Pinned' | 'PinnedByCorrelation';

/** Where a group starts when it has no checkpoint: a stream revision or a `$all` position; -1 is the end. */
export type StartFrom =
  | { readonly kind: 'revision'; readonly revision: number }
  | { readonly kind: 'position'; readonly commit: number; readonly prepare: number };

export interface GroupSettings {
  readonly startFrom: StartFrom;
  readonly resolveLinkTos: boolean;
  readonly extraStatistics: boolean;
  /** 0 means every message is due for a retry at the next tick, as on the server. */
  readonly messageTimeoutMs: number;
  readonly maxRetryCount: number;
  /** 0 means never by time (the server's TimeSpan.MaxValue). */
  readonly checkPointAfterMs: number;
  readonly minCheckPointCount: number;
  readonly maxCheckPointCount: number;
  /** 0 is unbounded. */
  readonly maxSubscriberCount: number;
  readonly liveBufferSize: number;
  readonly readBatchSize: number;
  readonly historyBufferSize: number;
  readonly consumerStrategy: ConsumerStrategyName;
}

const STRATEGIES: readonly ConsumerStrategyName[] = ['DispatchToSingle', 'RoundRobin', 'Pinned', 'PinnedByCorrelation'];
const NAMED: Record<number, ConsumerStrategyName> = { 0: 'DispatchToSingle', 1: 'RoundRobin', 2: 'Pinned' };
const U64_MAX = 18446744073709551615n;
const TICKS_PER_MS = 10_000n;

/** A rejected setting: the server's Fail result, sent as `persistent-subscription-failed`. */
export class GroupSettingsError extends Error {}

type WireSettings = CreateReq.Settings | UpdateReq.Settings;

export function parseSettings(settings: WireSettings | undefined, startFrom: StartFrom): GroupSettings {
  if (!settings) throw new GroupSettingsError('Settings are required.');
  const custom = settings instanceof persistentPb.CreateReq.Settings ? settings.getConsumerStrategy() : '';
  const named = custom || NAMED[settings.getNamedConsumerStrategy()] || String(settings.getNamedConsumerStrategy());
  if (!STRATEGIES.includes(named as ConsumerStrategyName)) {
    throw new GroupSettingsError(`Consumer strategy ${named} does not exist.`);
  }
  return {
    startFrom,
    resolveLinkTos: settings.getResolveLinks(),
    extraStatistics: settings.getExtraStatistics(),
    messageTimeoutMs: durationMs(
      settings.getMessageTimeoutCase(),
      settings.getMessageTimeoutMs(),
      settings.getMessageTimeoutTicks(),
    ),
    maxRetryCount: settings.getMaxRetryCount(),
    checkPointAfterMs: durationMs(
      settings.getCheckpointAfterCase(),
      settings.getCheckpointAfterMs(),
      settings.getCheckpointAfterTicks(),
    ),
    minCheckPointCount: settings.getMinCheckpointCount(),
    maxCheckPointCount: settings.getMaxCheckpointCount(),
    maxSubscriberCount: settings.getMaxSubscriberCount(),
    liveBufferSize: settings.getLiveBufferSize(),
    readBatchSize: settings.getReadBatchSize(),
    historyBufferSize: settings.getHistoryBufferSize(),
    consumerStrategy: named as ConsumerStrategyName,
  };
}

/** Checked when the group is built (after the exists check), as the server's constructor does. */
export function validateBuffers(settings: GroupSettings): void {
  if (settings.readBatchSize >= settings.historyBufferSize) {
    // The server's ArgumentOutOfRangeException, whose only argument is taken as the parameter name.
    throw new GroupSettingsError(
      "Specified argument was out of the range of valid values. (Parameter 'ReadBatchSize may not be greater than or equal to BufferSize')",
    );
  }
}

/** Cases 14/15 carry milliseconds, 4/6 .NET ticks; unset is 0. */
function durationMs(which: number, ms: number, ticks: string): number {
  if (which === 14 || which === 15) return ms;
  if (which === 4 || which === 6) return Number(BigInt(ticks) / TICKS_PER_MS);
  return 0;
}

/** The deprecated `settings.revision` the Node client sends: u64 max means the end. */
export function revisionStart(revision: string): StartFrom {
  const value = BigInt(revision || '0');
  return { kind: 'revision', revision: value === U64_MAX ? -1 : Number(value) };
}

interface StreamOptionsMessage {
  getRevisionOptionCase(): number;
  getRevision(): string;
}

const { RevisionOptionCase } = persistentPb.CreateReq.StreamOptions;
const { AllOptionCase } = persistentPb.CreateReq.AllOptions;

/** `StreamOptions` (revision / start / end), for clients that send it instead. */
export function streamOptionsStart(options: StreamOptionsMessage): StartFrom {
  switch (options.getRevisionOptionCase()) {
    case RevisionOptionCase.START:
      return { kind: 'revision', revision: 0 };
    case RevisionOptionCase.END:
      return { kind: 'revision', revision: -1 };
    default:
      return revisionStart(options.getRevision());
  }
}

interface AllOptionsMessage {
  getAllOptionCase(): number;
  getPosition(): { getCommitPosition(): string; getPreparePosition(): string } | undefined;
}

/** `AllOptions` position / start / end. */
export function allOptionsStart(options: AllOptionsMessage): StartFrom {
  switch (options.getAllOptionCase()) {
    case AllOptionCase.POSITION: {
      const position = options.getPosition()!;
      return {
        kind: 'position',
        commit: Number(position.getCommitPosition()),
        prepare: Number(position.getPreparePosition()),
      };
    }
    case AllOptionCase.END:
      return { kind: 'position', commit: -1, prepare: -1 };
    default:
      return { kind: 'position', commit: 0, prepare: 0 };
  }
}

/** The server's ValidateStartFrom, against the last position written to the log. */
export function validateStartFrom(startFrom: StartFrom, lastPosition: number): void {
  if (startFrom.kind === 'revision') {
    if (startFrom.revision < -1) {
      throw new GroupSettingsError('Invalid Start From position: event number must be greater than or equal to -1.');
    }
    return;
  }
  const { commit, prepare } = startFrom;
  if (prepare > commit) {
    throw new GroupSettingsError(
      'Invalid Start From position: prepare position must be less than or equal to the commit position.',
    );
  }
  if (commit > lastPosition) {
    throw new GroupSettingsError(
      'Invalid Start From position: commit position must be less than or equal to the last commit position in the transaction file.',
    );
  }
  if ((prepare <= -1 || commit <= -1) && !(prepare === -1 && commit === -1)) {
    throw new GroupSettingsError(
      'Invalid Start From position: prepare and commit positions must be greater than or equal to 0 or both equal to -1.',
    );
  }
}

/** How the server prints a start point in GetInfo: `"12"`, `"-1"`, or `"C:0/P:0"`. */
export function startFromText(startFrom: StartFrom): string {
  return startFrom.kind === 'revision' ? String(startFrom.revision) : `C:${startFrom.commit}/P:${startFrom.prepare}`;
}
