import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { parseConnectionString } from '@kurrent/kurrentdb-client/dist/Client/parseConnectionString.js';
import { KurrentEventStore, redactConnectionString } from 'mneme/kurrent';
import { passwordsIn, scrubError } from '../../src/kurrent/redaction.js';
import { HOSTILE_CONNECTION_STRINGS, clientPassword, fill, secretsOf } from '../support/hostile-connection-strings.js';

/** The client parser's error for a string it rejects, as it would reach us. */
function clientParseError(connectionString: string): Error | undefined {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    parseConnectionString(connectionString);
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    console.warn = warn;
  }
}

describe(redactConnectionString.name, () => {
  it('masks the password of a connection string and keeps the rest', () => {
    expect(redactConnectionString('kurrentdb://admin:changeit@localhost:2113?tls=false')).toBe(
      'kurrentdb://admin:***@localhost:2113?tls=false',
    );
  });

  it('masks every connection string inside a longer message, whatever the KurrentDB scheme', () => {
    const text = 'tried kurrentdb+discover://ops:p%40ss@a:2113,b:2113 then esdb://u:hunter22@c:1113/';
    expect(redactConnectionString(text)).toBe(
      'tried kurrentdb+discover://ops:***@a:2113,b:2113 then esdb://u:***@c:1113/',
    );
  });

  it('leaves stack traces alone: file:// URLs hold no password', () => {
    const stack =
      'Error: x\n    at run (file:///app/main.js:10:3)\n    at async file:///app/node_modules/@scope/pkg/index.js:5:1';
    expect(redactConnectionString(stack)).toBe(stack);
  });

  it('leaves strings without credentials alone', () => {
    for (const text of [
      'kurrentdb://localhost:2113?tls=false',
      'kurrentdb://admin@localhost:2113',
      'no url here: a:b@c',
    ]) {
      expect(redactConnectionString(text)).toBe(text);
    }
  });

  it('masks a known secret wherever it appears, raw or URL-decoded', () => {
    const secrets = passwordsIn('kurrentdb://admin:p%40ss%2Fw0rd@localhost:2113');
    expect(secrets).toEqual(['p%40ss%2Fw0rd', 'p@ss/w0rd']);
    expect(redactConnectionString('auth failed for p@ss/w0rd (p%40ss%2Fw0rd)', secrets)).toBe(
      'auth failed for *** (***)',
    );
  });

  it('finds no password when there is none', () => {
    expect(passwordsIn('kurrentdb://localhost:2113')).toEqual([]);
    expect(passwordsIn('kurrentdb://admin@localhost:2113')).toEqual([]);
  });
});

describe("the client's own reading of a connection string", () => {
  const table = HOSTILE_CONNECTION_STRINGS.map(({ label, template }) => ({
    label,
    connectionString: fill(template, 'db.example:2113', 'db2.example:2113'),
  }));

  it.each(table)('masks the password the client reads, with $label', ({ connectionString }) => {
    const redacted = redactConnectionString(connectionString);
    for (const secret of secretsOf(connectionString)) expect(redacted).not.toContain(secret);
    expect(redacted).toContain(':***@');
  });

  it.each(table)('knows every form of the password, with $label', ({ connectionString }) => {
    const secrets = passwordsIn(connectionString);
    expect(secrets).toContain(clientPassword(connectionString));
    // What the client says when it rejects the string quotes pieces of it: they are scrubbed too.
    const rejection = clientParseError(connectionString);
    if (rejection) {
      scrubError(rejection, secrets);
      for (const secret of secretsOf(connectionString))
        expect(inspect(rejection, { showHidden: true })).not.toContain(secret);
    }
  });
});

describe(`${KurrentEventStore.name} under util.inspect`, () => {
  it('shows where it connects, with the password masked, and nothing of the client', async () => {
    const store = new KurrentEventStore('kurrentdb://ops@corp:Inspect-S3cret@db.example:2113?tls=false', {
      deadlineMs: 1234,
    });
    try {
      const shown = inspect(store, { depth: Infinity, showHidden: true });
      expect(shown).toContain('kurrentdb://ops@corp:***@db.example:2113?tls=false');
      expect(shown).toContain('deadlineMs: 1234');
      expect(shown).not.toContain('Inspect-S3cret');
      expect(shown).not.toContain('Client'); // the client object, which holds the credentials
    } finally {
      await store.close();
    }
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
