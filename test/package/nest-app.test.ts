import { beforeAll, describe, expect, it } from '@jest/globals';
import { compile, createApp, packedTarball, run } from './support/packed-package.js';

/**
 * A NestJS application as `nest new` sets one up (CommonJS, `module: commonjs`, node10 resolution),
 * that never imports inversify: Mneme comes in through MnemeModule, its services are injected into a
 * controller, the projection injects a Nest service, and the runner follows the app's lifecycle.
 */
const APP = `
import 'reflect-metadata';
import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Aggregate, AggregateId, AggregateRepository, AggregateRoot, Apply, CommandBus, DomainError, EventStore, EventType,
  Handles, InMemoryEventStore, On, Projection, ProjectionRunner,
} from 'mneme';
import { MnemeModule } from 'mneme/nestjs';

@EventType('Nest.Opened')
export class AccountOpened {
  constructor(readonly accountId: string, readonly owner: string) {}
}
@EventType('Nest.Deposited')
export class Deposited {
  constructor(readonly accountId: string, readonly amount: number) {}
}
@EventType('Nest.Withdrawn')
export class Withdrawn {
  constructor(readonly accountId: string, readonly amount: number) {}
}
export class OpenAccount {
  @AggregateId() accountId: string;
  constructor(accountId: string, readonly owner: string) { this.accountId = accountId; }
}
export class Deposit {
  @AggregateId() accountId: string;
  constructor(accountId: string, readonly amount: number) { this.accountId = accountId; }
}
export class Withdraw {
  @AggregateId() accountId: string;
  constructor(accountId: string, readonly amount: number) { this.accountId = accountId; }
}

@Aggregate({ category: 'BankAccount' })
export class BankAccount extends AggregateRoot {
  balance = 0;
  @Handles(OpenAccount, { expects: 'new' }) open(cmd: OpenAccount) { return new AccountOpened(cmd.accountId, cmd.owner); }
  @Handles(Deposit, { expects: 'existing' }) deposit(cmd: Deposit) { return new Deposited(cmd.accountId, cmd.amount); }
  @Handles(Withdraw, { expects: 'existing' }) withdraw(cmd: Withdraw) {
    if (cmd.amount > this.balance) throw new DomainError('Insufficient funds');
    return new Withdrawn(cmd.accountId, cmd.amount);
  }
  @Apply(AccountOpened) onOpened(_event: AccountOpened) {}
  @Apply(Deposited) onDeposited(event: Deposited) { this.balance += event.amount; }
  @Apply(Withdrawn) onWithdrawn(event: Withdrawn) { this.balance -= event.amount; }
}

/** A Nest service the projection injects. */
@Injectable()
export class Audit {
  readonly seen: string[] = [];
  record(line: string) { this.seen.push(line); }
}
@Module({ providers: [Audit], exports: [Audit] })
export class AuditModule {}

@Projection({ name: 'balances', from: { categories: ['BankAccount'] } })
export class Balances {
  readonly balances = new Map<string, number>();
  constructor(readonly audit: Audit) {}
  @On(AccountOpened) opened(event: AccountOpened) { this.balances.set(event.accountId, 0); this.audit.record('opened ' + event.accountId); }
  @On(Deposited) deposited(event: Deposited) { this.balances.set(event.accountId, this.balances.get(event.accountId)! + event.amount); }
  @On(Withdrawn) withdrawn(event: Withdrawn) { this.balances.set(event.accountId, this.balances.get(event.accountId)! - event.amount); }
}

@Controller('accounts')
export class AccountsController {
  constructor(
    private readonly bus: CommandBus,
    private readonly repository: AggregateRepository,
    private readonly runner: ProjectionRunner,
    private readonly balances: Balances,
  ) {}
  async open(id: string, owner: string) { return (await this.bus.execute(new OpenAccount(id, owner))).streamName; }
  async deposit(id: string, amount: number) { return String((await this.bus.execute(new Deposit(id, amount))).nextExpectedRevision); }
  async withdraw(id: string, amount: number) {
    try { await this.bus.execute(new Withdraw(id, amount)); return 'ok'; } catch (error) { return (error as Error).message; }
  }
  async balance(id: string) {
    await this.runner.catchUp();
    return { projected: this.balances.balances.get(id), replayed: (await this.repository.load(BankAccount, id)).balance };
  }
}

/** Where the settings come from in forRootAsync. */
@Injectable()
export class Settings { readonly store = new InMemoryEventStore(); }
@Module({ providers: [Settings], exports: [Settings] })
export class SettingsModule {}

async function flow(mneme: ReturnType<typeof MnemeModule.forRoot>) {
  const moduleRef = await Test.createTestingModule({
    imports: [AuditModule, mneme],
    controllers: [AccountsController],
  }).compile();
  await moduleRef.init(); // onApplicationBootstrap: the projection runner starts
  const controller = moduleRef.get(AccountsController);
  const out: unknown[] = [];
  out.push(await controller.open('a1', 'ada'));
  out.push(await controller.deposit('a1', 100));
  out.push(await controller.withdraw('a1', 30));
  out.push(await controller.withdraw('a1', 500));
  out.push(await controller.balance('a1'));
  out.push(moduleRef.get(Audit).seen);
  const runner = moduleRef.get(ProjectionRunner);
  const store = moduleRef.get(EventStore);
  await moduleRef.close(); // onApplicationShutdown: the runner stops
  let afterClose = 'running';
  try { await runner.catchUp(); } catch (error) { afterClose = (error as { code?: string }).code ?? String(error); }
  out.push(afterClose, store instanceof InMemoryEventStore);
  return out;
}

async function main() {
  const sync = await flow(MnemeModule.forRoot({ aggregates: [BankAccount], projections: [Balances], imports: [AuditModule] }));
  const async = await flow(
    MnemeModule.forRootAsync({
      imports: [SettingsModule, AuditModule],
      inject: [Settings],
      useFactory: (settings: Settings) => ({ aggregates: [BankAccount], eventStore: settings.store }),
      projections: [Balances],
    }),
  );
  console.log(JSON.stringify({ sync, async }));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

describe('a NestJS application on the packed tarball', () => {
  let tarball: string;
  beforeAll(async () => {
    tarball = await packedTarball();
  }, 240_000);

  it('runs the bank-account flow through a controller, with a projection built by Nest and stopped on close', () => {
    const app = createApp('app-nest', tarball, {
      'package.json': JSON.stringify({ name: 'app-nest', private: true }),
      // The tsconfig of \`nest new\` (module commonjs, no moduleResolution: node10).
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          module: 'commonjs',
          declaration: true,
          removeComments: true,
          emitDecoratorMetadata: true,
          experimentalDecorators: true,
          allowSyntheticDefaultImports: true,
          target: 'ES2023',
          sourceMap: true,
          outDir: './dist',
          baseUrl: './',
          incremental: false,
          skipLibCheck: true,
          strictNullChecks: true,
          forceConsistentCasingInFileNames: true,
          noImplicitAny: false,
          strictBindCallApply: false,
          noFallthroughCasesInSwitch: false,
          types: ['node'],
        },
        include: ['src'],
      }),
      'src/main.ts': APP,
    });
    compile(app);
    const expected = [
      'BankAccount-a1',
      '1',
      'ok',
      'Insufficient funds',
      { projected: 70, replayed: 70 },
      ['opened a1'],
      'MNEME_PROJECTION_RUNNER_NOT_RUNNING',
      true,
    ];
    expect(JSON.parse(run(app, 'dist/main.js'))).toEqual({ sync: expected, async: expected });
  }, 120_000);
});
