import { CommandInterceptor, type CommandContext, type CommandResult } from './command-interceptor.js';
import { retryOnConflict, type RetryHooks } from './retry-on-conflict.js';
import { resolveRetryPolicy, type RetryOptions, type RetryPolicy } from './retry-policy.js';

/**
 * Re-runs load + decide + save when the save loses a race (`ConcurrencyError`), with exponential
 * backoff and full jitter; gives up with `MaxRetriesExceededError`. Each attempt replays a fresh
 * aggregate, so no state is applied twice.
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
    return retryOnConflict(
      this.policy,
      (attempt) => {
        context.attempt = attempt;
        return next();
      },
      this.hooks,
    );
  }
}
