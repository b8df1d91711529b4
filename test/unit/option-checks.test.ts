import { describe, expect, it } from '@jest/globals';
import { InvalidConfigurationError } from 'mneme';
import { checkOptions, isPlainObject, rule, type OptionShape } from '../../src/options/option-checks.js';

const SHAPE: OptionShape = {
  maxRetries: rule.integer(0),
  delayMs: rule.number(0, 100),
  onRetry: rule.function,
  nested: rule.object({ enabled: rule.boolean, name: rule.string }),
};

function refusal(value: unknown, shape: OptionShape = SHAPE, path = 'thing'): InvalidConfigurationError {
  try {
    checkOptions(value, path, shape);
  } catch (error) {
    if (InvalidConfigurationError.is(error)) return error as InvalidConfigurationError;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe(checkOptions.name, () => {
  it('accepts a literal and an object without a prototype, and treats undefined as "the default"', () => {
    expect(() =>
      checkOptions({ maxRetries: 3, delayMs: 100, nested: { enabled: true } }, 'thing', SHAPE),
    ).not.toThrow();
    expect(() => checkOptions(Object.assign(Object.create(null), { maxRetries: 0 }), 'thing', SHAPE)).not.toThrow();
    expect(() => checkOptions({ maxRetries: undefined, nested: undefined }, 'thing', SHAPE)).not.toThrow();
  });

  it.each([
    ['an array', [1, 2], /got an array/],
    ['a class instance', new (class Settings {})(), /got a Settings/],
    ['a Map', new Map([['maxRetries', 1]]), /got a Map/],
    ['a string', 'fast', /got "fast"/],
    ['null', null, /got null/],
  ])('refuses %s where an options object is expected', (_label, value, says) => {
    const error = refusal(value);
    expect(error.option).toBe('thing');
    expect(error.message).toMatch(says);
  });

  it('names the nested path of the culprit', () => {
    expect(refusal({ nested: { enabled: 'yes' } })).toMatchObject({ option: 'thing.nested.enabled' });
    expect(refusal({ nested: { enabeld: true } })).toMatchObject({ option: 'thing.nested.enabeld' });
    expect(refusal({ nested: { enabeld: true } }).message).toContain("did you mean 'enabled'?");
    expect(refusal({ nested: 'on' })).toMatchObject({ option: 'thing.nested' });
  });

  it.each([
    ['a negative integer', { maxRetries: -1 }, 'thing.maxRetries', /expected an integer >= 0, got -1/],
    ['a fraction', { maxRetries: 1.5 }, 'thing.maxRetries', /got 1.5/],
    ['a BigInt', { maxRetries: 3n }, 'thing.maxRetries', /got 3n/],
    ['NaN', { delayMs: Number.NaN }, 'thing.delayMs', /expected a number from 0 to 100, got NaN/],
    ['a number above the range', { delayMs: 101 }, 'thing.delayMs', /got 101/],
    ['a string for a function', { onRetry: 'log' }, 'thing.onRetry', /expected a function, got "log"/],
  ])('refuses %s, naming the option', (_label, value, option, says) => {
    const error = refusal(value);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(says);
  });

  it('suggests nothing when no known option is close, and lists the known ones', () => {
    const error = refusal({ colour: 'red' });
    expect(error.message).not.toContain('did you mean');
    expect(error.message).toContain('known options: maxRetries, delayMs, onRetry, nested');
  });

  it('suggests the known word for the same idea (attempts and retries)', () => {
    expect(refusal({ maxAttempts: 3 }).message).toContain("did you mean 'maxRetries'?");
    expect(refusal({ retries: 3 }, { maxAttempts: rule.integer(1) }).message).toContain("did you mean 'maxAttempts'?");
  });

  it('refuses symbol keys, which no option has', () => {
    expect(refusal({ [Symbol('maxRetries')]: 1 }).option).toBe('thing.Symbol(maxRetries)');
  });

  it('names the top level with its own name and its options bare', () => {
    expect(() => checkOptions({ retries: 1 }, '', SHAPE, 'an options object', 'mnemeModule')).toThrow(
      expect.objectContaining({ option: 'mnemeModule.retries' }),
    );
    expect(() => checkOptions({ maxRetries: -1 }, '', SHAPE, 'an options object', 'mnemeModule')).toThrow(
      expect.objectContaining({ option: 'maxRetries' }),
    );
    expect(() => checkOptions(7, '', SHAPE, 'an options object', 'mnemeModule')).toThrow(
      expect.objectContaining({ option: 'mnemeModule' }),
    );
  });
});

describe(isPlainObject.name, () => {
  it('is true for literals and objects without a prototype only', () => {
    expect([{}, Object.create(null)].map(isPlainObject)).toEqual([true, true]);
    expect([[], new Date(0), new Map(), null, 'x', 1, () => {}, new (class A {})()].map(isPlainObject)).toEqual(
      Array(8).fill(false),
    );
  });
});
