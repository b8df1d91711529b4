import type { CompetingStrategy } from '../../decorators/index.js';
import { checkOptions, rule, type OptionShape } from '../options/option-checks.js';

/** A competing projection's group, its options resolved. */
export interface CompetingOptions {
  readonly group: string;
  readonly strategy: CompetingStrategy;
  readonly messageTimeoutMs: number;
}

const STRATEGIES: readonly CompetingStrategy[] = ['Pinned', 'RoundRobin', 'DispatchToSingle'];
const quoted = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/** What `@Projection` and `@ProcessManager` accept; a typo (`strategey`) is refused with "did you mean". */
const CONSUMER_OPTIONS: OptionShape = {
  name: rule.string,
  from: rule.any, // checked by the decorator
  mode: rule.custom(quoted(['catch-up', 'competing']), (value) => value === 'catch-up' || value === 'competing'),
  group: rule.custom('a non-empty string', (value) => typeof value === 'string' && value.trim() !== ''),
  strategy: rule.custom(`one of ${quoted(STRATEGIES)}`, (value) => STRATEGIES.includes(value as CompetingStrategy)),
  messageTimeoutMs: rule.integer(1, 2 ** 31 - 1),
};

/** The group options only mean something in competing mode: given in catch-up mode they are a mistake. */
const COMPETING_ONLY = ['group', 'strategy', 'messageTimeoutMs'] as const;

/**
 * Checks a consumer's decorator options (`path` names the decorator in errors) and resolves its
 * competing-mode group; undefined in catch-up mode. `invalid` makes the consumer's own error.
 */
export function competingOptions(
  given: { readonly name: string },
  path: string,
  invalid: (reason: string) => Error,
): CompetingOptions | undefined {
  const options = given as unknown as Record<string, unknown> & { name: string };
  checkOptions(options, path, CONSUMER_OPTIONS);
  if (options.mode !== 'competing') {
    const stray = COMPETING_ONLY.find((key) => options[key] !== undefined);
    if (stray !== undefined) throw invalid(`${stray} is an option of mode: 'competing'; add it or remove ${stray}`);
    return undefined;
  }
  return Object.freeze({
    group: (options.group as string | undefined) ?? options.name,
    strategy: (options.strategy as CompetingStrategy | undefined) ?? 'Pinned',
    messageTimeoutMs: (options.messageTimeoutMs as number | undefined) ?? 30_000,
  });
}
