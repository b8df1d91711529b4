/** Readable comparisons of events (class and fields) and of error fields, for the spec helpers. */
import { serializeEvent } from '../events/event-serializer.js';

/** `Withdrawn { accountId: "a-1", amount: 30 }` */
export function describeEvent(event: unknown): string {
  if (typeof event !== 'object' || event === null) return String(event);
  return `${event.constructor?.name ?? 'Object'} ${formatValue(fieldsOf(event))}`;
}

/** The event's fields as they are stored (its serialized data); plain own fields when it has no @EventType. */
function fieldsOf(event: object): Record<string, unknown> {
  try {
    return serializeEvent(event).data as Record<string, unknown>;
  } catch {
    return { ...(event as Record<string, unknown>) };
  }
}

/** Lines describing how `actual` differs from `expected`; empty when they match. */
export function diffEvents(expected: readonly object[], actual: readonly object[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const want = expected[i];
    const got = actual[i];
    if (got === undefined) {
      lines.push(`  #${i} missing: expected ${describeEvent(want)}`);
    } else if (want === undefined) {
      lines.push(`  #${i} unexpected: ${describeEvent(got)}`);
    } else if (want.constructor !== got.constructor) {
      lines.push(`  #${i} expected ${describeEvent(want)}`, `     but got ${describeEvent(got)}`);
    } else {
      const fieldLines = diffFields(fieldsOf(want), fieldsOf(got));
      if (fieldLines.length > 0)
        lines.push(`  #${i} ${want.constructor.name}`, ...fieldLines.map((line) => `     ${line}`));
    }
  }
  return lines;
}

/** `- amount: 30` / `+ amount: 20` for each differing field; only `expected`'s keys when `partial`. */
export function diffFields(
  expected: Record<string, unknown>,
  actual: Record<string, unknown>,
  partial = false,
): string[] {
  const keys = partial ? Object.keys(expected) : [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  const lines: string[] = [];
  for (const key of keys) {
    if (deepEqual(expected[key], actual[key])) continue;
    lines.push(key in expected ? `- ${key}: ${formatValue(expected[key])}` : `- ${key}: (absent)`);
    lines.push(key in actual ? `+ ${key}: ${formatValue(actual[key])}` : `+ ${key}: (absent)`);
  }
  return lines;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function formatValue(value: unknown): string {
  try {
    return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
