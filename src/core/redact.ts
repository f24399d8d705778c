// Credentials must never reach output: every URL is shown through redactUrl, every line through scrub.
const MASK = '***';

/** The URL with its password (and password-like query parameters) replaced by ***. */
export function redactUrl(url: string): string {
  // Userinfo ends at the LAST @ before the path, as WHATWG URL and node-postgres read it.
  const withoutUserinfo = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon === -1) return `${scheme}${userinfo}@`;
    return `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
  });
  return withoutUserinfo.replace(/([?&](?:password|pass|pwd|token|secret|sslpassword)=)[^&#]*/gi, `$1${MASK}`);
}

/** The secrets a URL carries (its password and password-like parameters), decoded as the server sees them. */
export function secretsInUrl(url: string): string[] {
  const found: string[] = [];
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(url)?.[1];
  const colon = userinfo?.indexOf(':') ?? -1;
  if (userinfo && colon !== -1) found.push(userinfo.slice(colon + 1));
  for (const m of url.matchAll(/[?&](?:password|pass|pwd|token|secret|sslpassword)=([^&#]*)/gi)) found.push(m[1] ?? '');
  const decoded = found.flatMap((s) => {
    try {
      const d = decodeURIComponent(s);
      return d === s ? [s] : [s, d];
    } catch {
      return [s];
    }
  });
  return decoded.filter((s) => s.length > 0);
}

/**
 * Known secrets shorter than this are not masked in free text: a 1-5 character password collides with ordinary
 * words and numbers ("s" in "PostgreSQL"), and the garbled output would itself reveal it. URLs are always redacted.
 */
export const MIN_MASKED_SECRET_LENGTH = 6;

/** Replaces every known secret (long enough to be one), and any password inside a URL, in free text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= MIN_MASKED_SECRET_LENGTH) out = out.split(secret).join(MASK);
  }
  return redactUrlsIn(out);
}

/** Redacts the password of every URL found in free text. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (u) => redactUrl(u));
}

/** Scrubs every string value of a JSON-like value; keys, numbers and booleans are left as they are. */
export function scrubDeep<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === 'string') return scrub(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, secrets)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, secrets)])) as T;
  }
  return value;
}
