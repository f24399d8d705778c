// A throwaway certificate authority and a server certificate for localhost / 127.0.0.1, made with openssl, for
// a sandbox that serves Redis and PostgreSQL over TLS.
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunAs, run } from './processes.js';

export interface Certs {
  /** The CA certificate that signed the server certificate (what a client must trust). */
  ca: string;
  cert: string;
  key: string;
}

export async function makeCerts(dir: string, owner: RunAs | null): Promise<Certs> {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args, null, 30_000);
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=cachedoctor sandbox CA',
  );
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.pem'),
    '-days',
    '2',
    '-extfile',
    f('server.ext'),
  );
  // PostgreSQL refuses a key others can read, and runs as its own user.
  chmodSync(f('server.key'), 0o600);
  if (owner) chownSync(f('server.key'), owner.uid, owner.gid);
  for (const name of ['ca.pem', 'server.pem']) chmodSync(f(name), 0o644);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}
