// Opens a read-only pg connection that gives up within the timeout, with errors mapped to one line.
import pg from 'pg';
import { UsageError } from '../../errors.js';
import { withDeadline } from '../../async.js';
import { pgClientPlan } from './connectionConfig.js';
import { pgSourceError } from './errors.js';

export interface PgConnection {
  /** host:port, safe to print. */
  target: string;
  host: string;
  port: number;
  query<Row extends object>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Rows as arrays (no per-row objects): for large batches. */
  queryArrays(sql: string, params?: unknown[]): Promise<unknown[][]>;
  close(): Promise<void>;
}

export interface PgConnectOptions {
  /** null: connect with libpq's PG* environment variables only. */
  url: string | null;
  /** The option the URL came from, named in hints. */
  flag: string;
  timeoutMs: number;
  /** Only `probe --allow-write`: every other session is read-only on the server's side. */
  writable?: boolean;
  /** How long one query may take, when not `timeoutMs` (reading a replication slot decodes whole transactions). */
  queryTimeoutMs?: number;
}

/** host:port of what a URL (or the PG* environment) points at, without connecting. */
export function pgTarget(url: string | null, flag: string): { target: string; host: string; port: number } {
  return describeClient(newClient(pgClientPlan(url, flag).config, flag));
}

/** A client, or a one-line usage error for settings node-postgres rejects (a missing sslrootcert file, ...). */
function newClient(config: pg.ClientConfig, flag: string): pg.Client {
  try {
    const client = new pg.Client(config);
    // A connection lost while idle must not crash the process; the next query reports it.
    client.on('error', () => {});
    return client;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // node-postgres explains TLS settings at length; the first sentence says what is wrong.
    const why = e.code === 'ENOENT' ? `a file it names does not exist (${e.path ?? 'sslrootcert/sslcert/sslkey'})` : String(e.message).split(/\n|\. /)[0];
    throw new UsageError(`${flag}: ${why}`);
  }
}

async function open(client: pg.Client, timeoutMs: number, writable: boolean): Promise<void> {
  await withDeadline(client.connect(), timeoutMs + 250);
  // cachedoctor only reads (unless told to write): make that a server-side guarantee for this session.
  if (!writable) await client.query('SET default_transaction_read_only = on');
}

function describeClient(client: pg.Client): { target: string; host: string; port: number } {
  const host = client.host || 'localhost';
  const port = client.port;
  if (host.startsWith('/')) return { target: `socket ${host}/.s.PGSQL.${port}`, host, port };
  return { target: `${host.includes(':') ? `[${host}]` : host}:${port}`, host, port };
}

export async function connectPg(opts: PgConnectOptions): Promise<PgConnection> {
  const plan = pgClientPlan(opts.url, opts.flag);
  const settings: pg.ClientConfig = {
    connectionTimeoutMillis: opts.timeoutMs,
    query_timeout: opts.queryTimeoutMs ?? opts.timeoutMs,
    statement_timeout: opts.queryTimeoutMs ?? opts.timeoutMs,
    application_name: 'cachedoctor',
  };
  let client = newClient({ ...plan.config, ...settings }, opts.flag);
  const { target, host } = describeClient(client);
  try {
    try {
      await open(client, opts.timeoutMs, opts.writable === true);
    } catch (err) {
      // sslmode=prefer/allow: a server without TLS gets a plain connection, as libpq would make.
      if (!plan.plainFallback || !/does not support SSL/i.test(String((err as Error).message))) throw err;
      client = newClient({ ...plan.plainFallback, ...settings }, opts.flag);
      await open(client, opts.timeoutMs, opts.writable === true);
    }
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
        throw pgSourceError(err, target, opts.flag, opts.queryTimeoutMs ?? opts.timeoutMs, 'query');
      }
    },
    async queryArrays(sql: string, params?: unknown[]) {
      try {
        const res = await client.query({ text: sql, values: params, rowMode: 'array' });
        return res.rows as unknown[][];
      } catch (err) {
        throw pgSourceError(err, target, opts.flag, opts.queryTimeoutMs ?? opts.timeoutMs, 'query');
      }
    },
    async close() {
      await withDeadline(client.end(), 1000).catch(() => {});
    },
  };
}
