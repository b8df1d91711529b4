import { getAggregateMetadataChain, type SnapshotOptions } from '../../decorators/index.js';

/** An aggregate class's snapshot policy, compiled from @Aggregate({ snapshot }). */
export interface SnapshotPolicy {
  /** The schema version of the state; a stored snapshot of another version is ignored. */
  readonly version: number;
  /** Whether a save that leaves `eventsSinceSnapshot` events after the last snapshot should take one. */
  due(aggregate: object, eventsSinceSnapshot: bigint): boolean;
}

const policies = new WeakMap<Function, SnapshotPolicy | null>();

/** The policy of an aggregate class (the most derived @Aggregate that declares one), cached per class. */
export function snapshotPolicyOf(type: Function): SnapshotPolicy | undefined {
  let policy = policies.get(type);
  if (policy === undefined) {
    let options: SnapshotOptions | undefined;
    for (const record of getAggregateMetadataChain(type)) options = record.options?.snapshot ?? options;
    policy = options ? compile(options) : null;
    policies.set(type, policy);
  }
  return policy ?? undefined;
}

function compile(options: SnapshotOptions): SnapshotPolicy {
  if ('every' in options) {
    const every = BigInt(options.every);
    return { version: options.version, due: (_aggregate, since) => since >= every };
  }
  const { when } = options;
  return { version: options.version, due: (aggregate, since) => when(aggregate, Number(since)) === true };
}
