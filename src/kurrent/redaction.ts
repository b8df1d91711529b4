/**
 * Keeping a connection string's password out of everything Mneme shows.
 *
 * The rule is the client's own (`parseCredentials` in @kurrent/kurrentdb-client's
 * parseConnectionString): after `scheme://`, the user runs to the first ':' (so it may hold '@', '/'
 * or spaces) and the password from there to the next '@' (so it may hold ':', '/', '?', '#' or
 * spaces). The client then keeps only the text up to the password's own first ':' and URL-decodes it.
 * test/unit/kurrent-redaction.test.ts checks this against the client's parser.
 */

/**
 * `scheme://user:password@` for the schemes the client accepts (not `file://`, which stack traces are
 * full of), the user possibly empty (the client rejects that, then echoes it).
 */
const CREDENTIALS = /((?:kurrentdb|kurrent|kdb|esdb)(?:\+discover)?:\/\/)([^:]*):([^@]*)@/gi;
/** A whole string that is a connection string, whatever its scheme (a misspelt one the client rejects). */
const LEADING_CREDENTIALS = /^(\s*[^:/\s]+:\/\/)([^:]*):([^@]*)@/;
const MASK = '***';
/** Shorter secrets are masked only inside connection strings: masking every 'ab' would garble messages. */
export const MIN_SECRET_LENGTH = 3;

/**
 * Replaces the password of every `scheme://user:password@host` in `text` with `***`, and every
 * other occurrence of the given secrets (e.g. a password a client echoed on its own).
 */
export function redactConnectionString(text: string, secrets: readonly string[] = []): string {
  const mask = (_match: string, scheme: string, user: string) => `${scheme}${user}:${MASK}@`;
  let redacted = text.replace(LEADING_CREDENTIALS, mask).replace(CREDENTIALS, mask);
  // Longest first, so that a secret containing another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= MIN_SECRET_LENGTH) redacted = redacted.split(secret).join(MASK);
  }
  return redacted;
}

/**
 * Every form in which the password of `connectionString` may show up in a message: the text between
 * ':' and '@' as written, the part the client keeps, each URL-decoded and trimmed.
 */
export function passwordsIn(connectionString: string): string[] {
  const match = /^[^:]+:\/\/([^:]*):([^@]*)@/.exec(connectionString.trim());
  if (!match) return [];
  const written = match[2]!;
  // What the client uses: `${user}:${written}`.trim().split(':')[1], then decodeURIComponent.
  const kept = `${match[1]}:${written}`.trim().split(':')[1] ?? '';
  const forms = new Set<string>();
  for (const raw of [written, kept]) {
    for (const form of [raw, decode(raw)]) {
      forms.add(form);
      forms.add(form.trim());
    }
  }
  forms.delete('');
  return [...forms];
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape: the client throws URIError (no password in it)
  }
}

/**
 * Scrubs an error we are about to wrap as `cause`: its message, stack and every string reachable
 * through its fields (a parse error keeps the whole connection string in one; client errors keep the
 * raw gRPC error in `_raw`). Mutates in place so `cause` stays the original error object.
 * Returns false when a string could not be replaced (a frozen error): the caller must not show it.
 */
export function scrubError(error: unknown, secrets: readonly string[]): boolean {
  return scrub(error, secrets, new Set(), 0);
}

const MAX_DEPTH = 6;

function scrub(value: unknown, secrets: readonly string[], seen: Set<unknown>, depth: number): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value) || depth > MAX_DEPTH) return true;
  if (ArrayBuffer.isView(value)) return true;
  seen.add(value);
  let clean = true;
  const record = value as Record<PropertyKey, unknown>;
  const keys = new Set<PropertyKey>([...Reflect.ownKeys(value), 'message', 'stack', 'cause']);
  for (const key of keys) {
    let field: unknown;
    try {
      field = record[key];
    } catch {
      continue; // a throwing getter holds nothing we could show either
    }
    if (typeof field === 'string') {
      const redacted = redactConnectionString(field, secrets);
      if (redacted === field) continue;
      try {
        record[key] = redacted;
      } catch {
        // read-only
      }
      if (record[key] !== redacted) clean = false;
    } else if (field instanceof Map) {
      for (const entry of field.values()) clean = scrub(entry, secrets, seen, depth + 1) && clean;
    } else {
      clean = scrub(field, secrets, seen, depth + 1) && clean;
    }
  }
  return clean;
}

/**
 * What to keep as `cause`: the client's error once scrubbed, or, when it cannot be scrubbed, a
 * plain Error with its name and scrubbed message in its place.
 */
export function scrubbedCause(error: unknown, secrets: readonly string[]): unknown {
  if (typeof error === 'string') return redactConnectionString(error, secrets);
  if (scrubError(error, secrets)) return error;
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  const replacement = new Error(redactConnectionString(message, secrets));
  replacement.name = name;
  return replacement;
}
