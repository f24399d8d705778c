// Host names to IP addresses, so a replica given by DNS name can be matched to the client_addr the primary sees.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { withDeadline } from '../async.js';

/** Every address of `host` (the host itself when it is an IP); [] for sockets or when the lookup fails. */
export async function resolveHost(host: string | null | undefined, timeoutMs: number): Promise<string[]> {
  if (!host || host.startsWith('/')) return [];
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return [bare];
  try {
    const found = await withDeadline(lookup(bare, { all: true }), timeoutMs);
    return [...new Set(found.map((a) => a.address))];
  } catch {
    return [];
  }
}
