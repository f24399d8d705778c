// From a URL (or the PG* environment) to node-postgres client settings that behave as libpq/psql would.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type pg from 'pg';
import { UsageError } from '../../errors.js';
import { assertParsableUrl } from '../url.js';

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

export interface PgClientPlan {
  config: pg.ClientConfig;
  /** libpq's sslmode=prefer/allow: when TLS is refused, try again without it. */
  plainFallback: pg.ClientConfig | null;
}

export function assertPgUrl(url: string, flag: string): void {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new UsageError(`${flag}: expected a postgres:// or postgresql:// URL`, 'e.g. postgres://user@host:5432/db');
  }
  // libpq accepts an empty host (postgres://user@/db?host=/var/run/postgresql); WHATWG URL does not.
  assertParsableUrl(url.replace(/^(postgres(?:ql)?:\/\/(?:[^/?#]*@)?)(?=[/?#]|$)/i, '$1localhost'), flag);
  const port = new URL(url.replace(/^(postgres(?:ql)?:\/\/(?:[^/?#]*@)?)(?=[/?#]|$)/i, '$1localhost')).searchParams.get('port');
  if (port !== null && !isPort(port)) throw new UsageError(`${flag}: the port parameter is not a number from 1 to 65535`);
}

export function pgClientPlan(url: string | null, flag: string, env: NodeJS.ProcessEnv = process.env): PgClientPlan {
  if (url !== null) assertPgUrl(url, flag);
  const urlMode = url === null ? null : new URLSearchParams(url.split('?')[1] ?? '').get('sslmode');
  const envMode = env.PGSSLMODE || null;
  const mode = urlMode ?? envMode;
  if (mode !== null && !SSL_MODES.includes(mode)) {
    throw new UsageError(`${urlMode !== null ? flag : 'PGSSLMODE'}: sslmode "${mode}" is not one of ${SSL_MODES.join(', ')}`);
  }
  const user = url !== null && /^postgres(?:ql)?:\/\/[^/?#]*@/i.test(url) ? undefined : env.PGUSER ? undefined : osUser();
  const base: pg.ClientConfig = url === null ? {} : { connectionString: withLibpqSslSemantics(withUser(url, user)) };
  if (url === null && user) base.user = user;
  // sslmode only from PGSSLMODE: node-postgres would verify the certificate for "require"; libpq does not.
  if (urlMode === null && envMode !== null)
    base.ssl = envMode === 'disable' || envMode === 'allow' ? false : envMode === 'verify-full' ? true : { rejectUnauthorized: false };
  // PGSSLROOTCERT names the CA, as for libpq, unless the URL names its own.
  const rootCert = env.PGSSLROOTCERT || null;
  if (rootCert !== null && !(url !== null && /[?&]sslrootcert=/i.test(url))) {
    if (url !== null && urlMode !== null) base.connectionString = `${base.connectionString}&sslrootcert=${encodeURIComponent(rootCert)}`;
    else if (base.ssl) base.ssl = { ...(typeof base.ssl === 'object' ? base.ssl : {}), ca: readCa(rootCert) };
  }
  const fallback = mode === 'prefer' || mode === 'allow' ? plain(base, url, user) : null;
  return { config: base, plainFallback: fallback };
}

/** The same settings with TLS off. */
function plain(base: pg.ClientConfig, url: string | null, user: string | undefined): pg.ClientConfig {
  if (url === null) return { ...base, ssl: false };
  const stripped = withUser(url, user)
    .replace(/([?&])sslmode=[^&#]*&?/i, '$1')
    .replace(/[?&]$/, '');
  return { ...base, connectionString: stripped, ssl: false };
}

/**
 * sslmode with libpq's meaning (require = encrypt without verifying, as psql does), which is what an
 * engineer who copies a URL from psql expects; node-postgres otherwise reads it as verify-full and warns.
 */
function withLibpqSslSemantics(url: string): string {
  if (!/[?&]sslmode=/i.test(url) || /[?&]uselibpqcompat=/i.test(url)) return url;
  return `${url}&uselibpqcompat=true`;
}

/** libpq falls back to the OS user name when neither the URL nor PGUSER names one; node-postgres does not. */
function withUser(url: string, user: string | undefined): string {
  if (!user) return url;
  return url.replace(/^(postgres(?:ql)?:\/\/)/i, `$1${encodeURIComponent(user)}@`);
}

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER;
  }
}

function isPort(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) > 0 && Number(text) < 65536;
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`PGSSLROOTCERT: cannot read ${path}`);
  }
}
