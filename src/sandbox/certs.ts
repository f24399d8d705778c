// A throwaway certificate authority and a server certificate for localhost / 127.0.0.1, made with openssl, for
// a sandbox that serves Redis and PostgreSQL over TLS.
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunAs, run } from './processes.js';

export interface Certs {
  /** The CA certificate that signed the server certificates (what a client must trust). */
  ca: string;
  cert: string;
  key: string;
  /** A second server certificate that names only DNS:localhost (no IP): what a cluster whose nodes are announced
   * by IP usually presents. */
  nameOnlyCert: string;
  nameOnlyKey: string;
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
  const serverCert = async (name: string, altNames: string) => {
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', '/CN=localhost');
    writeFileSync(f(`${name}.ext`), `subjectAltName=${altNames}\n`);
    await openssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
    );
  };
  await serverCert('server', 'DNS:localhost,IP:127.0.0.1');
  await serverCert('name-only', 'DNS:localhost');
  // PostgreSQL refuses a key others can read, and runs as its own user.
  chmodSync(f('server.key'), 0o600);
  if (owner) chownSync(f('server.key'), owner.uid, owner.gid);
  for (const name of ['ca.pem', 'server.pem', 'name-only.pem', 'name-only.key']) chmodSync(f(name), 0o644);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key'), nameOnlyCert: f('name-only.pem'), nameOnlyKey: f('name-only.key') };
}
