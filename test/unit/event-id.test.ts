import { describe, expect, it } from '@jest/globals';
import { v5 as uuidv5 } from 'uuid';
import { MNEME_EVENT_ID_NAMESPACE, eventIdFor } from 'mneme';

describe(eventIdFor.name, () => {
  it('gives the UUID v5 of `${commandId}:${index}` in the Mneme namespace, for any command id', () => {
    for (const commandId of ['order-42', 'order-43', 'order-42', '', 'é-ü-ß', '日本語', '😀 emoji', 'a'.repeat(500)]) {
      for (const index of [0, 1, 17])
        expect(eventIdFor(commandId, index)).toBe(uuidv5(`${commandId}:${index}`, MNEME_EVENT_ID_NAMESPACE));
    }
  });
});

describe('default command ids', () => {
  it('are distinct version-4 UUIDs, across refills of their random pool', async () => {
    const { newCommandId } = await import('../../src/repository/command-stamp.js');
    const ids = Array.from({ length: 1000 }, () => newCommandId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
