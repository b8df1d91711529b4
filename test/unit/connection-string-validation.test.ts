import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { InvalidConfigurationError, InvalidConnectionStringError, mnemeModule, MnemeError } from 'mneme';
import { KurrentEventStore } from 'mneme/kurrent';

const SECRET = 'hunter2-very-secret';

/** The error thrown by `make`, or a failure saying that nothing was thrown. */
function thrown(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('connection strings that are not strings', () => {
  const notStrings: [string, unknown][] = [
    ['process.env.UNSET (undefined)', process.env.MNEME_SURELY_UNSET_VARIABLE],
    ['null', null],
    ['a number', 5],
    ['a boolean', true],
    ['an array', [`kurrentdb://admin:${SECRET}@localhost:2113`]],
    ['an object that is no client', { url: `kurrentdb://admin:${SECRET}@localhost:2113` }],
    ['a function', () => `kurrentdb://admin:${SECRET}@localhost:2113`],
  ];

  it.each(notStrings)(
    'new KurrentEventStore(%s) is refused at construction with InvalidConnectionStringError',
    (_label, value) => {
      const error = thrown(() => new KurrentEventStore(value as string));
      expect(error).toBeInstanceOf(InvalidConnectionStringError);
      expect(error).toMatchObject({ code: 'MNEME_INVALID_CONNECTION_STRING' });
      expect((error as Error).message).not.toContain(SECRET);
      expect((error as Error).message).toMatch(/expected a connection string or a KurrentDBClient/);
    },
  );

  it.each([
    ['empty', ''],
    ['whitespace', '  \t\n '],
  ])('new KurrentEventStore(%s string) is refused at construction', (_label, value) => {
    expect(thrown(() => new KurrentEventStore(value))).toBeInstanceOf(InvalidConnectionStringError);
  });

  it('names the variable to set when undefined is given', () => {
    expect((thrown(() => new KurrentEventStore(undefined as unknown as string)) as Error).message).toMatch(
      /environment variable/,
    );
  });

  const moduleOptions: [string, unknown, typeof InvalidConnectionStringError | typeof InvalidConfigurationError][] = [
    ['{ kurrent: { connectionString: 5 } }', { kurrent: { connectionString: 5 } }, InvalidConnectionStringError],
    ['{ kurrent: { connectionString: null } }', { kurrent: { connectionString: null } }, InvalidConnectionStringError],
    ['{ kurrent: { connectionString: "" } }', { kurrent: { connectionString: '' } }, InvalidConnectionStringError],
    [
      '{ kurrent: { connectionString: "   " } }',
      { kurrent: { connectionString: '   ' } },
      InvalidConnectionStringError,
    ],
    ['{ kurrent: undefined }', { kurrent: undefined }, InvalidConnectionStringError],
    ['{ kurrent: null }', { kurrent: null }, InvalidConnectionStringError],
    ['{ kurrent: 5 }', { kurrent: 5 }, InvalidConnectionStringError],
    ['{ kurrent: { client: {} } }', { kurrent: { client: {} } }, InvalidConnectionStringError],
    ['{ kurrent: { env: {} } } (variable unset)', { kurrent: { env: {} } }, InvalidConnectionStringError],
    [
      '{ kurrent: { env: { KURRENTDB_CONNECTION_STRING: 5 } } }',
      { kurrent: { env: { KURRENTDB_CONNECTION_STRING: 5 } } },
      InvalidConnectionStringError,
    ],
    ['{ kurrent: { env: null } }', { kurrent: { env: null } }, InvalidConfigurationError],
    [
      '{ kurrent: { connectionstring: "..." } } (a typo)',
      { kurrent: { connectionstring: `kurrentdb://admin:${SECRET}@localhost:2113` } },
      InvalidConfigurationError,
    ],
  ];

  it.each(moduleOptions)(
    'mnemeModule({ eventStore: %s }) fails container.load with a typed error',
    (_label, eventStore, type) => {
      const error = thrown(() => new Container().load(mnemeModule({ eventStore: eventStore as never })));
      expect(error).toBeInstanceOf(type);
      expect(MnemeError.is(error)).toBe(true);
      expect((error as Error).message).not.toContain(SECRET);
    },
  );

  it('never echoes the password of a string the parser refuses', () => {
    const error = thrown(
      () => new KurrentEventStore(`kurrentdb://admin:${SECRET}@localhost:2113?nonsense=1&tls=maybe`),
    );
    expect(error).toBeInstanceOf(InvalidConnectionStringError);
    expect(JSON.stringify({ message: (error as Error).message, fields: { ...(error as object) } })).not.toContain(
      SECRET,
    );
  });
});
