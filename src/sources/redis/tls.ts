// TLS for a Redis node. A cluster announces its nodes by the address each one reports, often an IP, while the
// certificate usually names the cluster's host name (the seed's): a node's certificate is accepted for its own
// address or for that name. SNI is sent by name, never as an IP (RFC 6066).
import { isIP } from 'node:net';
import { type ConnectionOptions, checkServerIdentity, type PeerCertificate } from 'node:tls';

/** TLS options for a node at `host` (null: the options are shared by every node of a cluster), also accepting `alsoName`. */
export function redisTlsOptions(host: string | null, alsoName: string | null): ConnectionOptions {
  return {
    ...(host !== null && isIP(host) === 0 ? { servername: host } : {}),
    checkServerIdentity: (hostname: string, cert: PeerCertificate) => {
      const own = checkServerIdentity(hostname, cert);
      if (own === undefined || alsoName === null || alsoName === hostname) return own;
      return checkServerIdentity(alsoName, cert) === undefined ? undefined : own;
    },
  };
}
