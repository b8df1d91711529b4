import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Decides } from 'mneme';
import { BankAccount, TransferCredited, TransferDebited } from '../../examples/bank-account/domain.js';
import { TransferMoney } from '../../examples/bank-account/atomic-transfers.js';
import { User, Username, RegisterUser, UserRegistered } from '../support/usernames.js';

/**
 * Compile-time checks, run by `npm run typecheck`: each `@ts-expect-error` line must fail to
 * compile, or tsc reports the directive as unused. Declared in a function that never runs.
 */
export function wrongDecidersFailToCompile(): void {
  class Wrong {
    // @ts-expect-error the method must take the command it decides
    @Decides(TransferMoney, { aggregates: (cmd) => ({ from: [BankAccount, cmd.fromId] }) }) a(cmd: RegisterUser) {
      void cmd;
    }

    // @ts-expect-error the aggregates it takes must be the declared ones (a Username is no User)
    @Decides(RegisterUser, { aggregates: (cmd) => ({ user: [Username, cmd.userId] }) }) b(
      cmd: RegisterUser,
      { user }: { user: User },
    ) {
      return { user: new UserRegistered(cmd.userId, user.username ?? '') };
    }

    // @ts-expect-error events only for the declared keys
    @Decides(TransferMoney, { aggregates: (cmd) => ({ from: [BankAccount, cmd.fromId] }) }) c(cmd: TransferMoney) {
      return { form: new TransferDebited(cmd.fromId, cmd.transferId, cmd.amount) };
    }

    // @ts-expect-error the command's fields are typed in the aggregates function
    @Decides(TransferMoney, { aggregates: (cmd) => ({ from: [BankAccount, cmd.accountId] }) }) d() {}

    // @ts-expect-error an id is a string
    @Decides(TransferMoney, { aggregates: (cmd) => ({ from: [BankAccount, cmd.amount] }) }) e() {}
  }
  void Wrong;
}

describe('@Decides types', () => {
  it('accepts a method typed with the declared command and aggregates, sync or async', () => {
    class Right {
      @Decides(TransferMoney, {
        aggregates: (cmd) => ({ from: [BankAccount, cmd.fromId], to: [BankAccount, cmd.toId] }),
      })
      transfer(cmd: TransferMoney, { from, to }: { from: BankAccount; to: BankAccount }) {
        return {
          from: new TransferDebited(from.id, cmd.transferId, cmd.amount),
          to: [new TransferCredited(to.id, cmd.transferId, cmd.amount)],
        };
      }

      @Decides(RegisterUser, { aggregates: (cmd) => ({ user: [User, cmd.userId], name: [Username, cmd.username] }) })
      async register(cmd: RegisterUser, { name }: { name: Username }) {
        await Promise.resolve();
        return name.owner ? {} : { user: new UserRegistered(cmd.userId, cmd.username) };
      }
    }
    expect(typeof Right.prototype.transfer).toBe('function');
  });
});
