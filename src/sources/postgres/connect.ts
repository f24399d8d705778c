// Opens a read-only pg connection that gives up within the timeout, with errors mapped to one line.
import { userInfo } from 'node:os';
import pg from 'pg';
import { UsageError } from '../../errors.js';
import { withDeadline } from '../deadline.js';
import { assertParsableUrl } from '../url.js';
import { pgSourceError } from './errors.js';

export interface PgConnection {
  /** host:port, safe to print. */
  target: string;
  host: string;
  port: number;
  query<Row extends object>(sql: string, params?: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export interface PgConnectOptions {
  /** null: connect with libpq's PG* environment variables only. */
  url: string | null;
  /** The option the URL came from, named in hints. */
  flag: string;
  timeoutMs: number;
}

export function assertPgUrl(url: string, flag: string): void {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new UsageError(`${flag}: expected a postgres:// or postgresql:// URL`, 'e.g. postgres://user@host:5432/db');
  }
  assertParsableUrl(url, flag);
}

/**
 * sslmode with libpq's meaning (require = encrypt without verifying, as psql does), which is what an
 * engineer who copies a URL from psql expects; node-postgres otherwise reads it as verify-full and warns.
 */
export function withLibpqSslSemantics(url: string): string {
  if (!/[?&]sslmode=/i.test(url) || /[?&]uselibpqcompat=/i.test(url)) return url;
  return `${url}&uselibpqcompat=true`;
}

/** libpq falls back to the OS user name when neither the URL nor PGUSER names one; node-postgres does not. */
function connectionConfig(url: string | null): { connectionString?: string; user?: string } {
  const fallback = process.env.PGUSER ? undefined : osUser();
  if (url === null) return fallback ? { user: fallback } : {};
  const u = new URL(withLibpqSslSemantics(url));
  if (!u.username && fallback) u.username = encodeURIComponent(fallback);
  return { connectionString: u.toString() };
}

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER;
  }
}

/** host:port of what a URL (or the PG* environment) points at, without connecting. */
export function pgTarget(url: string | null): { target: string; host: string } {
  return describeClient(new pg.Client(connectionConfig(url)));
}

function describeClient(client: pg.Client): { target: string; host: string } {
  const host = client.host || 'localhost';
  if (host.startsWith('/')) return { target: `socket ${host}/.s.PGSQL.${client.port}`, host };
  return { target: `${host.includes(':') ? `[${host}]` : host}:${client.port}`, host };
}

export async function connectPg(opts: PgConnectOptions): Promise<PgConnection> {
  if (opts.url !== null) assertPgUrl(opts.url, opts.flag);
  const client = new pg.Client({
    ...connectionConfig(opts.url),
    connectionTimeoutMillis: opts.timeoutMs,
    query_timeout: opts.timeoutMs,
    statement_timeout: opts.timeoutMs,
    application_name: 'cachedoctor',
  });
  const { target, host } = describeClient(client);
  // A connection lost while idle must not crash the process; the next query reports it.
  client.on('error', () => {});
  try {
    await withDeadline(client.connect(), opts.timeoutMs + 250);
    // cachedoctor only reads: make that a server-side guarantee for this session.
    await client.query('SET default_transaction_read_only = on');
  } catch (err) {
    void client.end().catch(() => {});
    throw pgSourceError(err, target, opts.flag, opts.timeoutMs, 'connect');
  }
  return {
    target,
    host,
    port: client.port,
    async query<Row extends object>(sql: string, params?: unknown[]) {
      try {
        const res = await client.query(sql, params);
        return res.rows as Row[];
      } catch (err) {
        throw pgSourceError(err, target, opts.flag, opts.timeoutMs, 'query');
      }
    },
    async close() {
      await withDeadline(client.end(), 1000).catch(() => {});
    },
  };
}
