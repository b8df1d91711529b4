import { describe, expect, it } from '@jest/globals';
import { eventIdFor, stampEvents } from '../../src/repository/command-stamp.js';

const stamp = (metadata: Record<string, unknown>) => ({
  commandId: 'cmd-1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  metadata,
});

describe('stampEvents', () => {
  it("layers users' metadata, then the event's own, then the system keys", () => {
    const [event] = stampEvents(
      [{ type: 'T', data: {}, metadata: { schemaVersion: 2, tenant: 'own', commandId: 'forged' } }],
      stamp({ tenant: 'users', region: 'eu' }),
    );
    expect(event!.metadata).toEqual({
      tenant: 'own',
      region: 'eu',
      schemaVersion: 2,
      commandId: 'cmd-1',
      $correlationId: 'corr-1',
      $causationId: 'cause-1',
    });
    expect(event!.id).toBe(eventIdFor('cmd-1', 0));
  });

  it("gives each event a fresh metadata object when users' metadata is empty, sharing nothing with the event's or the stamp's", () => {
    const own = { schemaVersion: 1 };
    const users = {};
    const events = stampEvents(
      [
        { type: 'T', data: {}, metadata: own },
        { type: 'T', data: {} },
      ],
      stamp(users),
    );
    expect(events.map((e) => e.metadata)).toEqual([
      { schemaVersion: 1, commandId: 'cmd-1', $correlationId: 'corr-1', $causationId: 'cause-1' },
      { commandId: 'cmd-1', $correlationId: 'corr-1', $causationId: 'cause-1' },
    ]);
    expect(events[0]!.metadata).not.toBe(own);
    expect(own).toEqual({ schemaVersion: 1 });
    expect(users).toEqual({});
    expect(events.map((e) => e.id)).toEqual([eventIdFor('cmd-1', 0), eventIdFor('cmd-1', 1)]);
  });

  it("takes users' metadata from a null-prototype object too", () => {
    const users = Object.assign(Object.create(null) as Record<string, unknown>, { tenant: 't' });
    const [event] = stampEvents([{ type: 'T', data: {} }], stamp(users));
    expect(event!.metadata).toEqual({
      tenant: 't',
      commandId: 'cmd-1',
      $correlationId: 'corr-1',
      $causationId: 'cause-1',
    });
  });
});
