import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { pino } from 'pino';
import winston from 'winston';
import { Logger, mnemeModule, pinoLogger } from 'mneme';

/** A real pino logger writing JSON lines into memory. */
function pinoIntoMemory() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('loggers people use', () => {
  it('keeps every field when a pino instance is given to mnemeModule as it is', () => {
    const { logger, lines } = pinoIntoMemory();
    const container = new Container();
    container.load(mnemeModule({ logger }));
    container.get(Logger).warn('projection handler failed, retrying', { projection: 'balances', attempt: 2 });
    container.get(Logger).error('gave up', { projection: 'balances', stream: 'Account-1' });
    expect(
      lines.map(({ msg, projection, attempt, stream, level }) => ({ msg, projection, attempt, stream, level })),
    ).toEqual([
      { msg: 'projection handler failed, retrying', projection: 'balances', attempt: 2, stream: undefined, level: 40 },
      { msg: 'gave up', projection: 'balances', attempt: undefined, stream: 'Account-1', level: 50 },
    ]);
  });

  it('pinoLogger adapts pino explicitly, at every level, also without fields', () => {
    const { logger, lines } = pinoIntoMemory();
    const adapted = pinoLogger(logger);
    adapted.debug('d', { a: 1 });
    adapted.info('i');
    adapted.warn('w', { b: 'x' });
    adapted.error('e', { c: true });
    expect(lines.map(({ level, msg, a, b, c }) => [level, msg, a ?? b ?? c])).toEqual([
      [20, 'd', 1],
      [30, 'i', undefined],
      [40, 'w', 'x'],
      [50, 'e', true],
    ]);
  });

  it('keeps every field when a winston logger is given as it is (same argument order as Mneme)', () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const logger = winston.createLogger({
      level: 'debug',
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream })],
    });
    const container = new Container();
    container.load(mnemeModule({ logger }));
    expect(container.get(Logger)).toBe(logger);
    container.get(Logger).warn('projection handler failed, retrying', { projection: 'balances', attempt: 2 });
    container.get(Logger).debug('resubscribed');
    expect(lines).toEqual([
      { level: 'warn', message: 'projection handler failed, retrying', projection: 'balances', attempt: 2 },
      { level: 'debug', message: 'resubscribed' },
    ]);
  });

  it('uses console as it is (same argument order as Mneme)', () => {
    const container = new Container();
    container.load(mnemeModule({ logger: console }));
    expect(container.get(Logger)).toBe(console);
  });
});
