import { describe, expect, it } from '@jest/globals';
import {
  AggregateAlreadyExistsError,
  AggregateNotFoundError,
  ConcurrencyError,
  DomainError,
  DuplicateEventTypeError,
  DuplicateHandlerError,
  EventStoreUnavailableError,
  EventDeserializationError,
  HandlerNotFoundError,
  InvalidCommandError,
  InvalidDecoratorError,
  InvalidExpectedRevisionError,
  InvalidStreamNameError,
  StateNotCopyableError,
  InvalidAggregateIdError,
  InvalidEventError,
  MaxRetriesExceededError,
  MnemeError,
  TransientRetriesExceededError,
  CommandTimeoutError,
  UnknownEventTypeError,
  InvalidEventSchemaError,
  SnapshotStateError,
  UnreadableSnapshotError,
} from 'mneme';

const examples: [string, MnemeError][] = [
  ['MNEME_DOMAIN_REJECTED', new DomainError('The account is closed: reopen it first')],
  ['MNEME_CONCURRENCY_CONFLICT', new ConcurrencyError('S-1', 'no_stream', 3n)],
  ['MNEME_MAX_RETRIES_EXCEEDED', new MaxRetriesExceededError('S-1', 11, new ConcurrencyError('S-1', 2n, 3n))],
  [
    'MNEME_TRANSIENT_RETRIES_EXCEEDED',
    new TransientRetriesExceededError(
      6,
      new EventStoreUnavailableError('append', 'S-1', 'kurrentdb://host:2113', 'connection refused'),
    ),
  ],
  ['MNEME_COMMAND_TIMEOUT', new CommandTimeoutError('Deposit', 'BankAccount-a', 'a', 30_000, 2)],
  ['MNEME_HANDLER_NOT_FOUND', new HandlerNotFoundError('Deposit')],
  ['MNEME_DUPLICATE_HANDLER', new DuplicateHandlerError('Deposit', ['A.x', 'B.y'])],
  ['MNEME_AGGREGATE_NOT_FOUND', new AggregateNotFoundError('BankAccount', 'a', 'BankAccount-a')],
  ['MNEME_AGGREGATE_ALREADY_EXISTS', new AggregateAlreadyExistsError('BankAccount', 'a', 'BankAccount-a', 4n)],
  ['MNEME_INVALID_AGGREGATE_ID', new InvalidAggregateIdError('the id is empty', { commandName: 'Deposit', value: '' })],
  ['MNEME_UNKNOWN_EVENT_TYPE', new UnknownEventTypeError('S-1', 2n, 'Old.Name')],
  ['MNEME_INVALID_EVENT', new InvalidEventError('$.x: BigInt is not JSON', 'T')],
  ['MNEME_DUPLICATE_EVENT_TYPE', new DuplicateEventTypeError('T', 'A', 'B')],
  [
    'MNEME_EVENT_DESERIALIZATION',
    new EventDeserializationError('S-1', 2n, 'T', 'the upcaster from schema version 1 threw'),
  ],
  ['MNEME_INVALID_EVENT_SCHEMA', new InvalidEventSchemaError('Paid', 'no upcaster from version 2', 'Shop.Paid')],
  ['MNEME_SNAPSHOT_STATE', new SnapshotStateError('Wallet', 'Wallet.index', 'a Map comes back as a plain object')],
  ['MNEME_UNREADABLE_SNAPSHOT', new UnreadableSnapshotError('Wallet_snapshot-1', 3n, 'its state is not a JSON object')],
  ['MNEME_INVALID_DECORATOR', new InvalidDecoratorError('@Apply', 'it needs the event class', 'Cart.on')],
  ['MNEME_INVALID_COMMAND', new InvalidCommandError(null, 'a command is an object')],
  ['MNEME_STATE_NOT_COPYABLE', new StateNotCopyableError('state.link', 'it is a URL')],
];

describe(MnemeError.name, () => {
  it.each([
    ['a BigInt', 10n],
    [
      'a cyclic object',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
    ],
    ['an object with no prototype', Object.create(null)],
    ['a symbol', Symbol('s')],
  ])('describes %s in its message without throwing', (_label, value) => {
    for (const make of [
      () => new InvalidStreamNameError(value),
      () => new InvalidExpectedRevisionError(value),
      () => new InvalidCommandError(value, 'r'),
    ]) {
      expect(make()).toBeInstanceOf(MnemeError);
    }
  });

  it('carries the facts of an undeserializable event', () => {
    const cause = new TypeError('x');
    expect(new EventDeserializationError('S-1', 2n, 'T', 'why', { cause })).toMatchObject({
      streamName: 'S-1',
      revision: 2n,
      eventType: 'T',
      reason: 'why',
      cause,
    });
  });

  it.each(examples)('%s is a MnemeError with its stable code and its own name', (code, error) => {
    expect(error).toBeInstanceOf(MnemeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
    expect(MnemeError.is(error)).toBe(true);
    expect(error.message.length).toBeGreaterThan(30);
  });

  it('says what happened and what to do, with the facts as fields', () => {
    const error = new ConcurrencyError('BankAccount-a', 2n, 5n);
    expect(error.message).toBe(
      "Append to stream 'BankAccount-a' expected revision 2 but the stream is at revision 5: another writer appended first. Reload the stream and decide again.",
    );
    expect(error).toMatchObject({ streamName: 'BankAccount-a', expected: 2n, actual: 5n });
  });

  it('is() tells classes apart by code and accepts subclasses', () => {
    class Overdrawn extends DomainError {
      static override readonly code = 'BANK_OVERDRAWN';
    }
    const error = new Overdrawn('too much');
    expect(error.code).toBe('BANK_OVERDRAWN');
    expect(Overdrawn.is(error)).toBe(true);
    expect(DomainError.is(error)).toBe(true);
    expect(ConcurrencyError.is(error)).toBe(false);
    expect(DomainError.is(new Error('plain'))).toBe(false);
    expect(MnemeError.is(undefined)).toBe(false);
  });

  it('is() recognises an error thrown by another copy of the package', () => {
    // Another copy has other constructors but writes the same Symbol.for brand.
    const foreign = Object.assign(new Error('conflict'), { streamName: 'S' });
    Object.defineProperty(foreign, Symbol.for('mneme:error-codes'), {
      value: ['MNEME_CONCURRENCY_CONFLICT', 'MNEME_ERROR'],
    });
    expect(foreign).not.toBeInstanceOf(ConcurrencyError);
    expect(ConcurrencyError.is(foreign)).toBe(true);
    expect(MnemeError.is(foreign)).toBe(true);
    expect(DomainError.is(foreign)).toBe(false);
  });

  it('keeps the cause', () => {
    const cause = new ConcurrencyError('S', 1n, 2n);
    expect(new MaxRetriesExceededError('S', 3, cause).cause).toBe(cause);
    expect(new DomainError('x', { cause: 'why' }).cause).toBe('why');
  });
});
