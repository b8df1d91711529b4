import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Type } from 'class-transformer';
import {
  DuplicateEventTypeError,
  EventDeserializationError,
  EventType,
  InvalidEventSchemaError,
  Upcast,
  type RecordedEvent,
} from 'mneme';
import { getEventClass } from '../../decorators/index.js';
import { deserializeEvent, serializeEvent } from '../../src/events/event-serializer.js';
import { SCHEMA_VERSION_KEY } from '../../src/events/upcasting.js';

const recorded = (type: string, data: unknown, metadata: Record<string, unknown> = {}): RecordedEvent => ({
  id: '00000000-0000-4000-8000-000000000000',
  streamName: 'Shop-1',
  revision: 7n,
  type,
  data,
  metadata,
  createdAt: new Date(),
});

@EventType('Schema.Plain')
class Plain {
  constructor(readonly n: number) {}
}

/** v1 { amount }, v2 { amount, currency }, v3 { amount: { value, currency } }. */
@EventType('Schema.Paid', { version: 3 })
class Paid {
  @Upcast(1) static addCurrency(data: { amount: number }) {
    return { ...data, currency: 'EUR' };
  }
  @Upcast(2) static nestAmount(data: { amount: number; currency: string }) {
    return { amount: { value: data.amount, currency: data.currency } };
  }
  constructor(readonly amount: { value: number; currency: string }) {}
}

class Money {
  constructor(
    readonly value: number,
    readonly currency: string,
  ) {}
}

/** Upcasting happens on plain JSON, before class-transformer builds the classes. */
@EventType('Schema.Refunded', { version: 2 })
class Refunded {
  @Upcast(1) static fromFlat(data: { value: number; at: string }) {
    return { money: { value: data.value, currency: 'EUR' }, at: data.at };
  }
  @Type(() => Money) money: Money;
  @Type(() => Date) at: Date;
  constructor(money: Money, at: Date) {
    this.money = money;
    this.at = at;
  }
}

@EventType('Schema.Broken', { version: 2 })
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- registered by its decorator
class Broken {
  @Upcast(1) static explode(data: { bad?: boolean }) {
    if (data.bad) throw new Error('cannot upgrade this one');
    return undefined;
  }
}

@EventType('Account.Deposited', { aliases: ['BankAccount.Deposited', 'Legacy.Deposit'] })
class AccountDeposited {
  constructor(readonly amount: number) {}
}

describe('event schema versions', () => {
  it('records the schema version in every stored event, 1 by default', () => {
    expect(serializeEvent(new Plain(1)).metadata).toEqual({ [SCHEMA_VERSION_KEY]: 1 });
    expect(serializeEvent(new Paid({ value: 1, currency: 'EUR' }), { correlationId: 'c' }).metadata).toEqual({
      correlationId: 'c',
      schemaVersion: 3,
    });
  });

  it('reads an event of the current version without upcasting', () => {
    const event = deserializeEvent(
      recorded('Schema.Paid', { amount: { value: 5, currency: 'USD' } }, { schemaVersion: 3 }),
    );
    expect(event).toEqual(new Paid({ value: 5, currency: 'USD' }));
  });

  it('reads an event without a schema version as version 1 and runs the whole chain in order', () => {
    const event = deserializeEvent(recorded('Schema.Paid', { amount: 5 }));
    expect(event).toBeInstanceOf(Paid);
    expect(event).toEqual(new Paid({ value: 5, currency: 'EUR' }));
  });

  it('starts the chain at the stored version', () => {
    const event = deserializeEvent(recorded('Schema.Paid', { amount: 5, currency: 'GBP' }, { schemaVersion: 2 }));
    expect(event).toEqual(new Paid({ value: 5, currency: 'GBP' }));
  });

  it('upcasts plain JSON before class-transformer builds nested classes and dates', () => {
    const event = deserializeEvent(
      recorded('Schema.Refunded', { value: 3, at: '2024-01-02T03:04:05.000Z' }),
    ) as Refunded;
    expect(event.money).toBeInstanceOf(Money);
    expect(event.money).toEqual(new Money(3, 'EUR'));
    expect(event.at).toEqual(new Date('2024-01-02T03:04:05.000Z'));
  });

  it('turns an upcaster that throws into an EventDeserializationError naming stream, revision, type and version', () => {
    const error = (() => {
      try {
        deserializeEvent(recorded('Schema.Broken', { bad: true }));
      } catch (e) {
        return e;
      }
    })() as EventDeserializationError;
    expect(error).toBeInstanceOf(EventDeserializationError);
    expect(error).toMatchObject({
      code: 'MNEME_EVENT_DESERIALIZATION',
      streamName: 'Shop-1',
      revision: 7n,
      eventType: 'Schema.Broken',
    });
    expect(error.reason).toContain('from schema version 1');
    expect(error.message).toContain('cannot upgrade this one');
    expect((error.cause as Error).message).toBe('cannot upgrade this one');
  });

  it('rejects an upcaster result that is not an object', () => {
    expect(() => deserializeEvent(recorded('Schema.Broken', {}))).toThrow(/returned undefined, not a plain object/);
  });

  it('rejects a stored version newer than the class knows, and one that is not a positive integer', () => {
    expect(() => deserializeEvent(recorded('Schema.Paid', {}, { schemaVersion: 4 }))).toThrow(
      EventDeserializationError,
    );
    expect(() => deserializeEvent(recorded('Schema.Paid', {}, { schemaVersion: 4 }))).toThrow(
      /schema version 4, newer than Paid's version 3/,
    );
    expect(() => deserializeEvent(recorded('Schema.Paid', {}, { schemaVersion: 'two' }))).toThrow(
      /not a positive integer/,
    );
    expect(() => deserializeEvent(recorded('Schema.Paid', {}, { schemaVersion: '02' }))).toThrow(
      /not a positive integer/,
    );
    expect(() => deserializeEvent(recorded('Schema.Paid', {}, { schemaVersion: '4' }))).toThrow(
      /schema version 4, newer/,
    );
  });

  it('reads a version stored as its digits, as multi-stream appends store it (string metadata only)', () => {
    expect(deserializeEvent(recorded('Schema.Paid', { amount: 5, currency: 'GBP' }, { schemaVersion: '2' }))).toEqual(
      deserializeEvent(recorded('Schema.Paid', { amount: 5, currency: 'GBP' }, { schemaVersion: 2 })),
    );
  });

  it('refuses a version with a missing upcaster step when the class is decorated', () => {
    const declare = () => {
      @EventType('Schema.Gap', { version: 3 })
      class Gap {
        @Upcast(1) static one(data: object) {
          return data;
        }
      }
      return Gap;
    };
    expect(declare).toThrow(InvalidEventSchemaError);
    expect(declare).toThrow(/no upcaster from version 2/);
    expect(getEventClass('Schema.Gap')).toBeUndefined();
  });

  it('refuses an upcaster at or past the current version, a second upcaster for one version, and an instance method', () => {
    expect(() => {
      @EventType('Schema.Ahead', { version: 2 })
      class Ahead {
        @Upcast(1) static one(data: object) {
          return data;
        }
        @Upcast(2) static two(data: object) {
          return data;
        }
      }
      return Ahead;
    }).toThrow(/@Upcast\(2\), but the current version is 2/);
    expect(() => {
      class Twice {
        @Upcast(1) static a(data: object) {
          return data;
        }
        @Upcast(1) static b(data: object) {
          return data;
        }
      }
      return Twice;
    }).toThrow(/both a and b are @Upcast\(1\)/);
    expect(() => {
      class Instance {
        @Upcast(1) up(data: object) {
          return data;
        }
      }
      return Instance;
    }).toThrow(/make it static/);
  });

  it('refuses a version that is not a positive integer', () => {
    for (const version of [0, 1.5, -1, Number.NaN]) {
      expect(() => {
        @EventType(`Schema.BadVersion${version}`, { version })
        class BadVersion {}
        return BadVersion;
      }).toThrow(InvalidEventSchemaError);
    }
  });
});

describe('event type aliases', () => {
  it('reads events stored under an old name as the renamed class', () => {
    expect(deserializeEvent(recorded('BankAccount.Deposited', { amount: 4 }))).toEqual(new AccountDeposited(4));
    expect(deserializeEvent(recorded('Legacy.Deposit', { amount: 2 }))).toBeInstanceOf(AccountDeposited);
    expect(getEventClass('BankAccount.Deposited')).toBe(AccountDeposited);
  });

  it('writes new events under the current name only', () => {
    expect(serializeEvent(new AccountDeposited(1)).type).toBe('Account.Deposited');
  });

  it('refuses an alias another class already claims as an alias or as its name', () => {
    const claim = (name: string, alias: string) => () => {
      @EventType(name, { aliases: [alias] })
      class Claimer {}
      return Claimer;
    };
    expect(claim('Other.Deposited', 'BankAccount.Deposited')).toThrow(DuplicateEventTypeError);
    expect(claim('Other.Deposited', 'BankAccount.Deposited')).toThrow(
      /'BankAccount.Deposited'\) is declared by both AccountDeposited and Claimer/,
    );
    expect(claim('Other.Plain', 'Schema.Plain')).toThrow(DuplicateEventTypeError);
    expect(getEventClass('Other.Deposited')).toBeUndefined();
  });

  it('refuses a name another class already claims as an alias', () => {
    expect(() => {
      @EventType('Legacy.Deposit')
      class OldDeposit {}
      return OldDeposit;
    }).toThrow(DuplicateEventTypeError);
  });

  it('refuses an alias that is empty, repeated or the current name', () => {
    for (const aliases of [[''], ['A.B', 'A.B'], ['Schema.Self']]) {
      expect(() => {
        @EventType('Schema.Self', { aliases })
        class Self {}
        return Self;
      }).toThrow(InvalidEventSchemaError);
    }
  });
});
