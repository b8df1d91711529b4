import { describe, expect, it } from '@jest/globals';
import { cloneState } from '../../src/commands/clone-state.js';

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
