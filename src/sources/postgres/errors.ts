// Turns node-postgres and socket errors into one plain line with a next step. Never includes credentials.
import { SourceError, type SourceFailure } from '../../errors.js';

interface PgLikeError {
  code?: string;
  message?: string;
  routine?: string;
}

export function pgSourceError(err: unknown, target: string, flag: string, timeoutMs: number, phase: 'connect' | 'query'): SourceError {
  const e = (err ?? {}) as PgLikeError;
  const msg = e.message ?? String(err);
  const at = phase === 'connect' ? `cannot connect to PostgreSQL at ${target}` : `query on PostgreSQL at ${target} failed`;
  const line = (cause: string, hint: string, category: SourceFailure = 'rejected') =>
    new SourceError(`${at}: ${cause}`, hint, { cause: err, reason: cause, category, server: 'postgres' });
  const down = (cause: string, hint: string) => line(cause, hint, 'unreachable');

  switch (e.code) {
    case 'ECONNREFUSED':
      return down('connection refused', `is the server running? check ${flag}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return down('host not found', `check the host name in ${flag}`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return down('host unreachable', `check the network path and the host in ${flag}`);
    case 'ETIMEDOUT':
      return down(`no answer within ${timeoutMs} ms`, 'is the host reachable? raise --timeout if the network is slow');
    case 'ECONNRESET':
    case 'EPIPE':
      return down('the connection was reset', 'is the server restarting, or does it require TLS (sslmode)?');
    case '28P01':
      return line(firstLine(msg), `check the user and password in ${flag} or PGPASSWORD`);
    case '28000':
      return line(firstLine(msg), 'check pg_hba.conf on the server and the user in the URL');
    case '3D000':
      return line(firstLine(msg), `check the database name in ${flag}`);
    case '57014':
      return line(`query cancelled after ${timeoutMs} ms (statement_timeout)`, 'the server is slow or blocked; raise --timeout to wait longer');
    case '57P01':
    case '57P02':
    case '57P03':
      return down(firstLine(msg), 'the server is shutting down or starting up; try again shortly');
    case '42501':
      return line(firstLine(msg), 'the role lacks a privilege: see "Least privilege" (docs/least-privilege.md)');
    case '53300':
      return line(firstLine(msg), 'the server has no free connection slots');
  }
  if (/timeout|timed out/i.test(msg))
    return down(
      `no answer within ${timeoutMs} ms`,
      "is the server overloaded, the host unreachable, or the port another server's (Redis never answers PostgreSQL's handshake)? raise --timeout to wait longer",
    );
  if (/terminated unexpectedly|Connection terminated/i.test(msg)) return down('the server closed the connection', 'is it restarting, or does it require TLS?');
  // node-postgres, on a query after the connection broke: say what happened, not the driver's words.
  if (/not queryable/i.test(msg)) return down('the connection was lost', 'is the server restarting, or the network path down?');
  if (/SASL|client password must be a string/i.test(msg))
    return line('the server asks for a password and none was given', `put it in ${flag} or set PGPASSWORD`);
  if (/does not support SSL/i.test(msg))
    return line('the server does not offer TLS', 'use sslmode=prefer (TLS when offered) or sslmode=disable, or turn ssl on in the server');
  if (/certificate|SSL|TLS/i.test(msg)) {
    const untrusted = /self.signed|unable to (get|verify)|issuer/i.test(msg);
    return line(
      `TLS: ${firstLine(msg)}`,
      untrusted ? "name the server's CA: sslrootcert=/path/to/ca.pem in the URL (with sslmode=verify-full)" : 'check sslmode and the server certificate',
    );
  }
  return line(firstLine(msg), `check ${flag}`);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
