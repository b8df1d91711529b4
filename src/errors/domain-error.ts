import { MnemeError } from './mneme-error.js';

export interface DomainErrorOptions {
  cause?: unknown;
  /** Facts about the rejection, for programs (kept as `details`). */
  details?: Record<string, unknown>;
}

/**
 * Thrown by users' command handlers to reject a command. It propagates unchanged: never retried,
 * nothing written. Subclass it to give rejections their own class and `code`.
 */
export class DomainError extends MnemeError {
  static override readonly code: string = 'MNEME_DOMAIN_REJECTED';
  readonly details: Record<string, unknown>;

  constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options);
    this.details = options.details ?? {};
  }
}
