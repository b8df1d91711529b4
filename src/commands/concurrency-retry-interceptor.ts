import { CommandInterceptor, type CommandContext, type CommandResult } from './command-interceptor.js';
import { deadlineOf } from './command-deadline.js';
import { retryCommand, type RetryHooks } from './retry-loop.js';
import { resolveRetryPolicy, type RetryOptions, type RetryPolicy } from './retry-policy.js';

/**
 * Re-runs load + decide + save when the save loses a race (`ConcurrencyError`) or the store is
 * briefly unavailable (`EventStoreUnavailableError`), each with its own exponential backoff with
 * full jitter (see `retryCommand`). Each attempt replays a fresh aggregate, so no state is applied
 * twice, and keeps the command id, so no event is stored twice.
 */
export class ConcurrencyRetryInterceptor extends CommandInterceptor {
  readonly policy: RetryPolicy;

  constructor(
    options: RetryOptions = {},
    private readonly hooks: RetryHooks = {},
  ) {
    super();
    this.policy = resolveRetryPolicy(options);
  }

  intercept(context: CommandContext, next: () => Promise<CommandResult>): Promise<CommandResult> {
    return retryCommand(
      this.policy,
      (attempt) => {
        context.attempt = attempt;
        return next();
      },
      this.hooks,
      deadlineOf(context),
    );
  }
}
