import { describe, expect, it } from '@jest/globals';
import { InMemoryEventStore, StateNotCopyableError, execute } from 'mneme';
import { cloneState } from '../../src/repository/clone-state.js';

class Position {
  constructor(
    public x: number,
    public y: number,
  ) {}
  moved(dx: number) {
    return new Position(this.x + dx, this.y);
  }
}

class State {
  position = new Position(1, 2);
  seen = new Set(['a']);
  byId = new Map([['k', new Position(3, 4)]]);
  at = new Date('2026-01-01T00:00:00Z');
  list = [new Position(5, 6)];
  self?: State;
}

describe(cloneState.name, () => {
  it('copies deeply and keeps every prototype', () => {
    const original = new State();
    const copy = cloneState(original);
    expect(copy).toBeInstanceOf(State);
    expect(copy).not.toBe(original);
    expect(copy.position).toBeInstanceOf(Position);
    expect(copy.position).not.toBe(original.position);
    expect(copy.position.moved(1)).toEqual(new Position(2, 2));
    expect(copy.byId.get('k')).toBeInstanceOf(Position);
    expect(copy.byId.get('k')).not.toBe(original.byId.get('k'));
    expect(copy.seen).toEqual(new Set(['a']));
    expect(copy.at).toEqual(original.at);
    expect(copy.at).not.toBe(original.at);
    expect(copy.list[0]).toBeInstanceOf(Position);
  });

  it('leaves the original untouched when the copy changes', () => {
    const original = new State();
    const copy = cloneState(original);
    copy.position.x = 99;
    copy.seen.add('b');
    copy.list.push(new Position(0, 0));
    expect(original.position.x).toBe(1);
    expect(original.seen.size).toBe(1);
    expect(original.list).toHaveLength(1);
  });

  it('keeps cycles and shared references', () => {
    const original = new State();
    original.self = original;
    const copy = cloneState(original);
    expect(copy.self).toBe(copy);
  });
});

class Tags extends Set<string> {
  label = 'tags';
}
class Index extends Map<string, number> {}
class Items extends Array<number> {}
class Stamp extends Date {}
class Bytes extends Uint8Array {}

describe(`${cloneState.name}: built-in kinds`, () => {
  it.each([
    ['a Map subclass', new Index([['a', 1]]), Index],
    ['a Set subclass', new Tags(['a']), Tags],
    ['an Array subclass', Items.from([1, 2]), Items],
    ['a Date subclass', new Stamp(5), Stamp],
    ['a Buffer', Buffer.from('hello'), Buffer],
    ['a typed array subclass', new Bytes([1, 2]), Bytes],
    ['a Float64Array', new Float64Array([1.5]), Float64Array],
    ['a RegExp', /a+/gi, RegExp],
    ['an Error', new RangeError('out'), RangeError],
  ])('keeps %s what it was, with its contents, as a copy', (_label, value, type) => {
    const copy = cloneState({ value }).value;
    expect(copy).toBeInstanceOf(type);
    expect(Object.getPrototypeOf(copy)).toBe(Object.getPrototypeOf(value));
    expect(copy).not.toBe(value);
    expect(copy).toEqual(value);
  });

  it('keeps a Buffer a Buffer that does not share memory with the original', () => {
    const original = Buffer.from('abc');
    const copy = cloneState({ b: original }).b;
    expect(Buffer.isBuffer(copy)).toBe(true);
    expect(copy.length).toBe(3);
    copy[0] = 0;
    expect(original.toString()).toBe('abc');
  });

  it('keeps the fields of a Set subclass and the working methods of a Date subclass', () => {
    const copy = cloneState({ tags: new Tags(['x']), at: new Stamp(1000) });
    expect(copy.tags.label).toBe('tags');
    expect(copy.tags.has('x')).toBe(true);
    expect(copy.at.getTime()).toBe(1000);
  });

  it('keeps frozen objects frozen', () => {
    const copy = cloneState({ settings: Object.freeze({ a: 1 }) });
    expect(Object.isFrozen(copy.settings)).toBe(true);
  });
});

describe(`${cloneState.name}: what cannot be copied faithfully`, () => {
  class Secret {
    #value = 1;
    read() {
      return this.#value;
    }
  }
  class Colour {
    css = 'color: #fff;'; // '#' in a string is not a private field
    // a comment with #hash
  }

  it.each([
    ['a URL', { items: [0, 1, { link: new URL('https://example.com') }] }, 'state.items[2].link', /URL/],
    ['a class with #private fields', { secret: new Secret() }, 'state.secret', /Secret, a class with #private fields/],
    ['a function', { onChange: () => undefined }, 'state.onChange', /a function/],
    ['a WeakMap', { cache: new WeakMap() }, 'state.cache', /WeakMap, a built-in/],
    ['a Promise', { pending: Promise.resolve(1) }, 'state.pending', /Promise/],
    ['a Proxy', { p: new Proxy({}, {}) }, 'state.p', /Proxy/],
    ['a function inside a Map', { m: new Map([['k', () => 1]]) }, 'state.m.get("k")', /function/],
  ])('refuses %s, naming its path', (_label, state, path, reason) => {
    let error: unknown;
    try {
      cloneState(state);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateNotCopyableError);
    expect(error).toMatchObject({ code: 'MNEME_STATE_NOT_COPYABLE', path });
    expect((error as StateNotCopyableError).reason).toMatch(reason);
  });

  it('does not mistake a # in a string or a comment for a private field', () => {
    expect(cloneState({ c: new Colour() }).c).toBeInstanceOf(Colour);
  });

  it('makes execute() fail before reading the stream', async () => {
    const store = new InMemoryEventStore();
    let read = false;
    store.readStream = () => {
      read = true;
      throw new Error('read');
    };
    const command = {
      eventStreamId: () => 'S-1',
      getState: () => ({
        link: new URL('https://example.com'),
        apply() {
          return this;
        },
      }),
      setState: () => undefined,
      handle: () => [],
    };
    await expect(execute(command as never, store)).rejects.toThrow(StateNotCopyableError);
    expect(read).toBe(false);
  });
});
