import { describe, expect, it } from '@jest/globals';
import { redactConnectionString } from 'mneme/kurrent';
import { passwordsIn, scrubError } from '../../src/kurrent/redaction.js';

describe(redactConnectionString.name, () => {
  it('masks the password of a connection string and keeps the rest', () => {
    expect(redactConnectionString('kurrentdb://admin:changeit@localhost:2113?tls=false')).toBe(
      'kurrentdb://admin:***@localhost:2113?tls=false',
    );
  });

  it('masks every connection string inside a longer message, whatever the scheme', () => {
    const text = 'tried kurrentdb+discover://ops:p%40ss@a:2113,b:2113 then esdb://u:hunter22@c:1113/';
    expect(redactConnectionString(text)).toBe('tried kurrentdb+discover://ops:***@a:2113,b:2113 then esdb://u:***@c:1113/');
  });

  it('leaves strings without credentials alone', () => {
    for (const text of ['kurrentdb://localhost:2113?tls=false', 'kurrentdb://admin@localhost:2113', 'no url here: a:b@c']) {
      expect(redactConnectionString(text)).toBe(text);
    }
  });

  it('masks a known secret wherever it appears, raw or URL-decoded', () => {
    const secrets = passwordsIn('kurrentdb://admin:p%40ss%2Fw0rd@localhost:2113');
    expect(secrets).toEqual(['p%40ss%2Fw0rd', 'p@ss/w0rd']);
    expect(redactConnectionString('auth failed for p@ss/w0rd (p%40ss%2Fw0rd)', secrets)).toBe('auth failed for *** (***)');
  });

  it('finds no password when there is none', () => {
    expect(passwordsIn('kurrentdb://localhost:2113')).toEqual([]);
    expect(passwordsIn('kurrentdb://admin@localhost:2113')).toEqual([]);
  });
});

describe(scrubError.name, () => {
  it('scrubs message, stack, string fields and nested causes in place', () => {
    const inner = new Error('inner kurrentdb://a:topsecret@h');
    const error = Object.assign(new Error('bad kurrentdb://a:topsecret@h:2113', { cause: inner }), {
      connectionString: 'kurrentdb://a:topsecret@h:2113',
    });
    scrubError(error, ['topsecret']);
    expect(error.message).toBe('bad kurrentdb://a:***@h:2113');
    expect(error.connectionString).toBe('kurrentdb://a:***@h:2113');
    expect(error.stack).not.toContain('topsecret');
    expect(inner.message).not.toContain('topsecret');
  });
});
