/**
 * A place in a store's global log (KurrentDB's `$all`). Opaque: compare with `comparePositions`,
 * store with `positionToJSON`. On KurrentDB it is the record's commit/prepare pair; the in-memory
 * store uses its log index for both.
 */
export interface GlobalPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Negative when `a` comes before `b`, 0 when equal, positive after. */
export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** JSON-safe form (bigints as decimal strings), for checkpoints. */
export function positionToJSON(position: GlobalPosition): { commit: string; prepare: string } {
  return { commit: position.commit.toString(10), prepare: position.prepare.toString(10) };
}

/** The inverse of `positionToJSON`; undefined when `value` is not such an object. */
export function positionFromJSON(value: unknown): GlobalPosition | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { commit, prepare } = value as Record<string, unknown>;
  if (typeof commit !== 'string' || typeof prepare !== 'string' || !/^\d+$/.test(commit) || !/^\d+$/.test(prepare))
    return undefined;
  return { commit: BigInt(commit), prepare: BigInt(prepare) };
}

export function isGlobalPosition(value: unknown): value is GlobalPosition {
  if (typeof value !== 'object' || value === null) return false;
  const { commit, prepare } = value as Record<string, unknown>;
  return typeof commit === 'bigint' && typeof prepare === 'bigint' && commit >= 0n && prepare >= 0n;
}
