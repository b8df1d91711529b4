import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { EventDeserializationError, deserializeEvent, type RecordedEvent } from 'mneme';
import '../../examples/bank-account/domain.js';

// Data another producer stored under a type Mneme knows. The README promises an
// EventDeserializationError naming stream, revision and type, "never NaN in state or a silent skip".

const recorded = (type: string, data: unknown, metadata: Record<string, unknown> = {}): RecordedEvent => ({
  id: '00000000-0000-4000-8000-000000000000',
  streamName: 'BankAccount-foreign',
  revision: 3n,
  type,
  data,
  metadata,
  createdAt: new Date(0),
});

const notObjects: [label: string, data: unknown][] = [
  ['an array', [1, 2]],
  ['null', null],
  ['a number', 5],
  ['binary data (a Uint8Array)', new Uint8Array([0xff, 0x00])],
];

describe('stored data that is not a JSON object', () => {
  it.each(notObjects.slice(0, 3))('is refused for a class without upcasters when it is %s', (_label, data) => {
    const error = (() => {
      try {
        return deserializeEvent(recorded('BankAccount.Withdrawn', data));
      } catch (caught) {
        return caught;
      }
    })();
    expect(EventDeserializationError.is(error)).toBe(true);
    expect(error).toMatchObject({
      streamName: 'BankAccount-foreign',
      revision: 3n,
      eventType: 'BankAccount.Withdrawn',
    });
  });

  it.each(notObjects.slice(0, 3))(
    'is refused at the current schema version of a class with upcasters when it is %s',
    (_label, data) => {
      expect(() => deserializeEvent(recorded('BankAccount.Deposited', data, { schemaVersion: 2 }))).toThrow(
        EventDeserializationError,
      );
    },
  );

  // The check runs before any upcaster, and refuses typed arrays (bytes) too.
  it.each(notObjects)('is refused at an old schema version, before any upcaster, when it is %s', (_label, data) => {
    expect(() => deserializeEvent(recorded('BankAccount.Deposited', data))).toThrow(EventDeserializationError);
  });

  it('is refused when it is binary data, for a class without upcasters', () => {
    expect(() => deserializeEvent(recorded('BankAccount.Withdrawn', new Uint8Array([0xff, 0x00])))).toThrow(
      EventDeserializationError,
    );
  });
});
