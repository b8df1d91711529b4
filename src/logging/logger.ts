/** Facts attached to a log line (projection name, stream, attempt...). */
export type LogFields = Record<string, unknown>;

/**
 * Where Mneme reports what it does (resubscriptions, handler retries). Also the DI token. The
 * default is silent: the library never writes to the console by itself. `console` fits as is.
 */
export abstract class Logger {
  abstract debug(message: string, fields?: LogFields): void;
  abstract info(message: string, fields?: LogFields): void;
  abstract warn(message: string, fields?: LogFields): void;
  abstract error(message: string, fields?: LogFields): void;
}

/** Drops everything: the default logger. */
export class SilentLogger extends Logger {
  debug(_message: string, _fields?: LogFields): void {}
  info(_message: string, _fields?: LogFields): void {}
  warn(_message: string, _fields?: LogFields): void {}
  error(_message: string, _fields?: LogFields): void {}
}

/** The one silent logger, shared: what Mneme uses when no logger is given. */
export const silentLogger: Logger = Object.freeze(new SilentLogger());
