/** `scheme://user:password@` as KurrentDB's parser reads it: the password runs to the first '@'. */
const USER_INFO = /([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]+):([^@\s]+)@/gi;
const MASK = '***';
/** Shorter secrets are left to the pattern above: masking every 'ab' would garble messages. */
const MIN_SECRET_LENGTH = 3;

/**
 * Replaces the password of every `scheme://user:password@host` in `text` with `***`, and every
 * other occurrence of the given secrets (e.g. a password a client echoed on its own).
 */
export function redactConnectionString(text: string, secrets: readonly string[] = []): string {
  let redacted = text.replace(USER_INFO, (_match, scheme: string, user: string) => `${scheme}${user}:${MASK}@`);
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) redacted = redacted.split(secret).join(MASK);
  }
  return redacted;
}

/** The password of a connection string, raw and URL-decoded, so messages can be scrubbed of both. */
export function passwordsIn(connectionString: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^:@/\s]+:([^@\s]+)@/i.exec(connectionString.trim());
  if (!match) return [];
  const raw = match[1]!;
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // A malformed escape: the raw form is all there is.
  }
  return decoded === raw ? [raw] : [raw, decoded];
}

/**
 * Scrubs an error we are about to wrap as `cause`: its message, stack and string fields (a parse
 * error keeps the whole connection string in one). Mutates in place so `cause` stays the original.
 */
export function scrubError(error: unknown, secrets: readonly string[], seen = new Set<unknown>()): void {
  if (typeof error !== 'object' || error === null || seen.has(error)) return;
  seen.add(error);
  const record = error as Record<string, unknown>;
  for (const key of [...Object.getOwnPropertyNames(error), 'message', 'stack']) {
    const value = record[key];
    if (typeof value === 'string') {
      const redacted = redactConnectionString(value, secrets);
      if (redacted !== value) {
        try {
          record[key] = redacted;
        } catch {
          // A read-only field: nothing we can do without losing the original error.
        }
      }
    }
  }
  scrubError(record.cause, secrets, seen);
}
