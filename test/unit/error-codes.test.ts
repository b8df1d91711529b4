import { describe, expect, it } from '@jest/globals';
import * as mneme from 'mneme';
import * as mnemeTesting from 'mneme/testing';
import { MnemeError, type MnemeErrorCode } from 'mneme';
import { MNEME_ERROR_CODES } from '../../src/errors/error-codes.js';

const exportedErrorClasses = [...Object.values(mneme), ...Object.values(mnemeTesting)].filter(
  (value): value is typeof MnemeError =>
    value === MnemeError || (typeof value === 'function' && value.prototype instanceof MnemeError),
);

describe('MnemeErrorCode', () => {
  it('lists the code of every exported error class, one class per code', () => {
    const codes = exportedErrorClasses.map((type) => type.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual([...MNEME_ERROR_CODES].sort());
  });

  it('narrows a caught error for a switch on its code', () => {
    const label = (error: MnemeError): string => {
      const code = error.code as MnemeErrorCode;
      switch (code) {
        case 'MNEME_CONCURRENCY_CONFLICT':
          return 'conflict';
        default:
          return code;
      }
    };
    expect(label(new mneme.ConcurrencyError('S-1', 'no_stream', 3n))).toBe('conflict');
    expect(label(new mneme.HandlerNotFoundError('Deposit'))).toBe('MNEME_HANDLER_NOT_FOUND');
  });
});
