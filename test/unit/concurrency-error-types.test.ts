import { describe, expect, it } from '@jest/globals';
import { ConcurrencyError, type ActualRevision, type ExpectedRevision } from 'mneme';

/** True only when A and B are the same type; checked by `npm run typecheck`. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

describe(ConcurrencyError.name, () => {
  it("states revisions in the store's own revision types", () => {
    // errors/ imports nothing of ours, so it spells the types out; these lines stop compiling if they drift.
    const expectedMatches: Same<ConcurrencyError['expected'], ExpectedRevision> = true;
    const actualMatches: Same<ConcurrencyError['actual'], ActualRevision> = true;
    expect([expectedMatches, actualMatches]).toEqual([true, true]);
  });
});
