import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  AggregateRepository,
  CommandBus,
  CommandInterceptor,
  ConcurrencyError,
  ConcurrencyRetryInterceptor,
  DEFAULT_TRANSIENT_RETRY_POLICY,
  EventStore,
  InMemoryEventStore,
  InvalidConfigurationError,
  mnemeModule,
  type AppendOptions,
  type CommandContext,
  type CommandResult,
  type EventData,
} from 'mneme';
import { BankAccount, Deposit, OpenAccount } from '../../examples/bank-account/domain.js';
import { collect } from '../support/collect.js';

async function containerWith(options: Parameters<typeof mnemeModule>[0]) {
  const container = new Container();
  container.load(mnemeModule({ aggregates: [BankAccount], ...options }));
  return container;
}

describe(mnemeModule.name, () => {
  it('binds an in-memory store by default, and the bus writes to that store', async () => {
    const container = await containerWith({});
    const store = container.get(EventStore);
    expect(store).toBeInstanceOf(InMemoryEventStore);
    await container.get(CommandBus).execute(new OpenAccount('a', 'Ada'));
    expect(await collect(store.readStream('BankAccount-a'))).toHaveLength(1);
  });

  it('binds everything as singletons per container', async () => {
    const container = await containerWith({});
    expect(container.get(EventStore)).toBe(container.get(EventStore));
    expect(container.get(CommandBus)).toBe(container.get(CommandBus));
    expect(container.get(AggregateRepository)).toBe(container.get(AggregateRepository));
    expect(container.get(AggregateRepository).eventStore).toBe(container.get(EventStore));
  });

  it('never shares state between two containers unless given the same store', async () => {
    const one = await containerWith({});
    const two = await containerWith({});
    expect(one.get(EventStore)).not.toBe(two.get(EventStore));
    await one.get(CommandBus).execute(new OpenAccount('a', 'Ada'));
    await expect(two.get(CommandBus).execute(new Deposit('a', 1))).rejects.toMatchObject({
      code: 'MNEME_AGGREGATE_NOT_FOUND',
    });

    const shared = new InMemoryEventStore();
    const three = await containerWith({ eventStore: shared });
    const four = await containerWith({ eventStore: shared });
    await three.get(CommandBus).execute(new OpenAccount('b', 'Bob'));
    await expect(four.get(CommandBus).execute(new Deposit('b', 1))).resolves.toMatchObject({
      nextExpectedRevision: 1n,
    });
  });

  it('accepts an event store class, one instance per container', async () => {
    class CustomStore extends InMemoryEventStore {}
    const one = await containerWith({ eventStore: CustomStore });
    const two = await containerWith({ eventStore: CustomStore });
    expect(one.get(EventStore)).toBeInstanceOf(CustomStore);
    expect(one.get(EventStore)).not.toBe(two.get(EventStore));
  });

  it('refuses an eventStore option that is not a store', () => {
    expect(() => new Container().load(mnemeModule({ eventStore: {} as EventStore }))).toThrow(
      InvalidConfigurationError,
    );
  });

  it('passes retry options to the concurrency-retry interceptor', async () => {
    const container = await containerWith({ retry: { maxRetries: 3, maxDelayMs: 7 } });
    expect(container.get(ConcurrencyRetryInterceptor).policy).toEqual({
      maxRetries: 3,
      initialDelayMs: 1,
      maxDelayMs: 7,
      backoffFactor: 2,
      agingMs: 20,
      transient: DEFAULT_TRANSIENT_RETRY_POLICY,
    });
  });

  it('with retry: false surfaces the first conflict as ConcurrencyError', async () => {
    class ConflictingStore extends InMemoryEventStore {
      override async appendToStream(stream: string, _events: EventData[], options?: AppendOptions): Promise<never> {
        throw new ConcurrencyError(stream, options?.expectedRevision ?? 'any', 0n);
      }
    }
    const container = await containerWith({ retry: false, eventStore: new ConflictingStore() });
    expect(container.isBound(ConcurrencyRetryInterceptor)).toBe(false);
    await expect(container.get(CommandBus).execute(new OpenAccount('a', 'Ada'))).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
  });

  it("runs users' interceptors in order, once per execute, outside the retry loop", async () => {
    const calls: string[] = [];
    class Audit extends CommandInterceptor {
      async intercept(context: CommandContext, next: () => Promise<CommandResult>) {
        calls.push(`audit:before:${context.handlerName}`);
        context.metadata.auditedBy = 'audit';
        const result = await next();
        calls.push(`audit:after:attempts=${result.attempts}`);
        return result;
      }
    }
    const timing = new (class extends CommandInterceptor {
      async intercept(_context: CommandContext, next: () => Promise<CommandResult>) {
        calls.push('timing');
        return next();
      }
    })();
    /** Loses the race on its first append, so the retry loop runs twice. */
    class LoseOnce extends InMemoryEventStore {
      lost = false;
      override async appendToStream(stream: string, events: EventData[], options?: AppendOptions) {
        if (!this.lost) {
          this.lost = true;
          await super.appendToStream(
            stream,
            [{ type: 'BankAccount.Opened', data: { accountId: 'a', owner: 'Rival' } }],
            options,
          );
        }
        return super.appendToStream(stream, events, options);
      }
    }
    const store = new LoseOnce();
    const container = await containerWith({ interceptors: [Audit, timing], eventStore: store });
    await expect(container.get(CommandBus).execute(new OpenAccount('a', 'Ada'))).rejects.toThrow(
      'Account already open',
    );
    await container.get(CommandBus).execute(new Deposit('a', 5));
    expect(calls).toEqual([
      'audit:before:BankAccount.open',
      'timing',
      'audit:before:BankAccount.deposit',
      'timing',
      'audit:after:attempts=1',
    ]);
    const events = await collect(store.readStream('BankAccount-a'));
    expect(events[1]!.metadata).toMatchObject({ auditedBy: 'audit', schemaVersion: 2, commandId: expect.any(String) });
  });

  it('refuses an interceptor that is not one', () => {
    expect(() => new Container().load(mnemeModule({ interceptors: [{} as CommandInterceptor] }))).toThrow(
      InvalidConfigurationError,
    );
  });
});

describe('mnemeModule with { kurrent }', () => {
  it('binds a KurrentEventStore, refuses a bad connection string at load, and closes the store on unbind', async () => {
    const { KurrentEventStore, InvalidConnectionStringError } = await import('mneme');
    expect(() => new Container().load(mnemeModule({ eventStore: { kurrent: 'http://nope' } }))).toThrow(
      InvalidConnectionStringError,
    );
    const container = new Container();
    container.load(
      mnemeModule({ aggregates: [BankAccount], eventStore: { kurrent: 'kurrentdb://127.0.0.1:1?tls=false' } }),
    );
    const store = container.get(EventStore);
    expect(store).toBeInstanceOf(KurrentEventStore);
    await container.unbindAllAsync();
    await expect(store.appendToStream('S-1', [{ type: 'T', data: {} }])).rejects.toThrow(/was closed/);
  });
});
