import { InvalidReadAllOptionsError } from '../errors/store-errors.js';
import type { AllFilter, ReadAllOptions, SubscribeToAllOptions } from './event-store.js';
import { isGlobalPosition } from './global-position.js';

/** KurrentDB's system streams (`$settings`, `$$…` metadata, projections' `$ce-…`): never delivered. */
export function isSystemStream(streamName: string): boolean {
  return streamName.startsWith('$');
}

/** Whether a user event passes `filter` (system streams are checked separately). */
export function matchesAllFilter(filter: AllFilter | undefined, streamName: string, type: string): boolean {
  if (!filter) return true;
  if ('streamNamePrefixes' in filter) return filter.streamNamePrefixes.some((prefix) => streamName.startsWith(prefix));
  return filter.eventTypePrefixes.some((prefix) => type.startsWith(prefix));
}

/** Rejects bad options before any read, identically in every store. */
export function validateReadAllOptions(options: ReadAllOptions & SubscribeToAllOptions): void {
  if (typeof options !== 'object' || options === null)
    throw new InvalidReadAllOptionsError('options', 'expected an object');
  if (options.fromPosition !== undefined && !isGlobalPosition(options.fromPosition)) {
    throw new InvalidReadAllOptionsError(
      'fromPosition',
      'expected a position read from the store ({ commit, prepare } bigints >= 0n)',
    );
  }
  if (options.maxCount !== undefined && !(typeof options.maxCount === 'number' && options.maxCount >= 0)) {
    throw new InvalidReadAllOptionsError('maxCount', `expected a number >= 0, got ${String(options.maxCount)}`);
  }
  if (options.direction !== undefined && options.direction !== 'forwards' && options.direction !== 'backwards') {
    throw new InvalidReadAllOptionsError(
      'direction',
      `expected 'forwards' or 'backwards', got ${String(options.direction)}`,
    );
  }
  if (options.onCheckpoint !== undefined && typeof options.onCheckpoint !== 'function') {
    throw new InvalidReadAllOptionsError('onCheckpoint', 'expected a function');
  }
  if (options.filter !== undefined) validateFilter(options.filter);
}

function validateFilter(filter: AllFilter): void {
  if (typeof filter !== 'object' || filter === null)
    throw new InvalidReadAllOptionsError('filter', 'expected an object');
  const byStream = 'streamNamePrefixes' in filter;
  const byType = 'eventTypePrefixes' in filter;
  if (byStream === byType) {
    throw new InvalidReadAllOptionsError('filter', 'give exactly one of streamNamePrefixes and eventTypePrefixes');
  }
  const option = byStream ? 'filter.streamNamePrefixes' : 'filter.eventTypePrefixes';
  const prefixes: unknown = byStream
    ? filter.streamNamePrefixes
    : (filter as { eventTypePrefixes: unknown }).eventTypePrefixes;
  if (!Array.isArray(prefixes) || prefixes.length === 0)
    throw new InvalidReadAllOptionsError(option, 'expected a non-empty array of prefixes');
  for (const prefix of prefixes) {
    if (typeof prefix !== 'string' || prefix === '')
      throw new InvalidReadAllOptionsError(
        option,
        `every prefix must be a non-empty string, got ${JSON.stringify(prefix)}`,
      );
    if (byStream && isSystemStream(prefix)) {
      throw new InvalidReadAllOptionsError(
        option,
        `'${prefix}' names system streams, which the global log never delivers`,
      );
    }
  }
}
