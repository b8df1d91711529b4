import type { LogFields, Logger } from './logger.js';

/** The part of a pino logger Mneme uses: pino takes the fields first, `(fields, message)`. */
export interface PinoLike {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * A Mneme `Logger` over a pino logger (or any logger taking `(fields, message)`, as bunyan does).
 * Passed as is, pino would read Mneme's `(message, fields)` as a format string and its arguments,
 * and every field would be lost; `mnemeModule({ logger })` recognises a pino instance and adapts it
 * by itself, this is for the cases it can't recognise (a wrapper, a pino-compatible logger).
 */
export function pinoLogger(pino: PinoLike): Logger {
  const logger = {} as Record<(typeof LEVELS)[number], (message: string, fields?: LogFields) => void>;
  for (const level of LEVELS) {
    logger[level] = (message, fields) => pino[level].call(pino, { ...fields }, message);
  }
  return logger as unknown as Logger;
}

/** pino marks its loggers with these registered symbols (pino 7 to 10). */
function isPino(logger: object): boolean {
  return Symbol.for('pino.serializers') in logger || Symbol.for('pino.metadata') in logger;
}

/**
 * What Mneme logs through: console and winston take `(message, fields)` as Mneme does and are used
 * as they are; a pino logger is adapted to its `(fields, message)` order, so no field is lost.
 */
export function adaptLogger(logger: Logger): Logger {
  return isPino(logger) ? pinoLogger(logger as unknown as PinoLike) : logger;
}
