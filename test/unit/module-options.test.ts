import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { CommandBus, InvalidConfigurationError, mnemeModule, type MnemeModuleOptions } from 'mneme';
import { BankAccount, OpenAccount } from '../../examples/bank-account/domain.js';

/** What a hurried user writes into mnemeModule: each must fail container.load, naming the option. */
describe('mnemeModule options', () => {
  it.each([
    ['a misspelt option', { agregates: [BankAccount] }, 'mnemeModule.agregates'],
    ['one aggregate class instead of an array', { aggregates: BankAccount }, 'aggregates'],
    ['one interceptor instead of an array', { interceptors: class {} }, 'interceptors'],
    ['a string for inProcessStreamQueue', { inProcessStreamQueue: 'no' }, 'inProcessStreamQueue'],
    ['a string instead of an options object', 'BankAccount', 'mnemeModule'],
  ])('rejects %s when the container loads, never later and never with a raw TypeError', (_label, options, option) => {
    let error: unknown;
    try {
      new Container().load(mnemeModule(options as unknown as MnemeModuleOptions));
    } catch (caught) {
      error = caught;
    }
    expect(InvalidConfigurationError.is(error)).toBe(true);
    expect(error).toMatchObject({ option });
  });

  it('suggests the option a typo meant', () => {
    expect(() =>
      new Container().load(mnemeModule({ agregates: [BankAccount] } as unknown as MnemeModuleOptions)),
    ).toThrow(/did you mean 'aggregates'/);
  });

  it('still loads every documented option', async () => {
    const container = new Container();
    container.load(
      mnemeModule({
        aggregates: [BankAccount],
        retry: { maxRetries: 3 },
        interceptors: [],
        aggregateCache: { maxEntries: 10 },
        inProcessStreamQueue: false,
        projections: [],
        projectionRunner: {},
        logger: console,
        telemetry: false,
      }),
    );
    await expect(container.get(CommandBus).execute(new OpenAccount('acc-1', 'Ada'))).resolves.toMatchObject({
      nextExpectedRevision: 0n,
    });
  });
});
