/**
 * Connection strings whose password is easy to leak, and the password as the client itself reads
 * it: its own parser (parseConnectionString, deep-imported) is the oracle, not a regex of ours.
 */
import { parseConnectionString } from '@kurrent/kurrentdb-client/dist/Client/parseConnectionString.js';

export interface HostileConnectionString {
  readonly label: string;
  /** `HOST` stands for `address:port`, `HOST2` for a second one. */
  readonly template: string;
}

export const HOSTILE_CONNECTION_STRINGS: readonly HostileConnectionString[] = [
  { label: 'a plain user and password', template: 'kurrentdb://admin:Plain-S3cret@HOST?tls=false' },
  { label: "a user name containing '@'", template: 'kurrentdb://ops@corp.example:At-S3cret@HOST?tls=false' },
  { label: "a user name containing '/'", template: 'kurrentdb://org/ops:Slash-S3cret@HOST?tls=false' },
  { label: 'an empty user name the client accepts', template: 'kurrentdb:// :Empty-S3cret@HOST?tls=false' },
  { label: 'an empty user name the client rejects', template: 'kurrentdb://:Bare-S3cret@127.0.0.1?tls=false' },
  { label: 'an empty user name and a port', template: 'kurrentdb://:Port-S3cret@HOST?tls=false' },
  { label: 'a password with spaces', template: 'kurrentdb://admin:my Spaced S3cret@HOST?tls=false' },
  { label: 'a password with surrounding spaces', template: 'kurrentdb://admin:  Padded S3cret  @HOST?tls=false' },
  { label: 'a percent-encoded password', template: 'kurrentdb://admin:Pct%40S3cret%20%2F%3A@HOST?tls=false' },
  { label: "a password containing ':'", template: 'kurrentdb://admin:Colon-S3cret:Tail-S3cret@HOST?tls=false' },
  { label: "a password containing '?', '#' and '/'", template: 'kurrentdb://admin:Odd?S3c#ret/x@HOST?tls=false' },
  {
    label: 'several hosts',
    template: 'kurrentdb://admin:Multi-S3cret@HOST,HOST2?tls=false&maxDiscoverAttempts=1&discoveryInterval=10',
  },
  { label: 'the esdb:// scheme', template: 'esdb://admin:Esdb-S3cret@HOST?tls=false' },
  {
    label: 'kurrentdb+discover://',
    template: 'kurrentdb+discover://admin:Discover-S3cret@HOST?tls=false&maxDiscoverAttempts=1&discoveryInterval=10',
  },
  {
    label: 'an unknown option (the client warns with the whole string)',
    template: 'kurrentdb://admin:Warn-S3cret@HOST?tls=false&colour=blue',
  },
  { label: 'a malformed option', template: 'kurrentdb://admin:Bad-S3cret@HOST?tls=maybe' },
  { label: 'a misspelt scheme', template: 'kurentdb://admin:Typo-S3cret@HOST?tls=false' },
  { label: 'an upper-case scheme', template: 'KurrentDB://admin:Upper-S3cret@HOST?tls=false' },
];

export function fill(template: string, host: string, host2 = host): string {
  return template.replace('HOST2', host2).replace('HOST', host);
}

/**
 * The password the client sends for `connectionString`. When the client rejects the string (an
 * empty user name, a bad option, a misspelt scheme), the password it would send for the same
 * credentials with a user name, alone in a plain kurrentdb:// string.
 */
export function clientPassword(connectionString: string): string {
  try {
    return parseQuietly(connectionString).defaultCredentials!.password;
  } catch {
    const userInfo = `kurrentdb://someone${writtenUser(connectionString)}:${writtenPassword(connectionString)}@localhost`;
    return parseQuietly(userInfo).defaultCredentials!.password;
  }
}

/** The parser warns (with the password) about unknown options: keep the oracle out of the logs under test. */
function parseQuietly(connectionString: string): ReturnType<typeof parseConnectionString> {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return parseConnectionString(connectionString);
  } finally {
    console.warn = warn;
  }
}

function writtenUser(connectionString: string): string {
  const afterScheme = connectionString.slice(connectionString.indexOf('://') + 3);
  return afterScheme.slice(0, afterScheme.indexOf(':'));
}

/** What the user wrote between ':' and '@', which is no less secret than what the client keeps. */
export function writtenPassword(connectionString: string): string {
  const afterScheme = connectionString.slice(connectionString.indexOf('://') + 3);
  const colon = afterScheme.indexOf(':');
  return afterScheme.slice(colon + 1, afterScheme.indexOf('@', colon));
}

/** The forms of the password no output may contain (trimmed: surrounding spaces are not the secret). */
export function secretsOf(connectionString: string): string[] {
  const forms = [clientPassword(connectionString), writtenPassword(connectionString)].map((form) => form.trim());
  return [...new Set(forms)].filter((form) => form.length > 0);
}
