// Reads one keyword from a libpq keyword=value connection string (as shown by pg_stat_wal_receiver.conninfo).

/** The value of `key` in "k1=v1 k2='v 2'", or null. Handles single quotes and backslash escapes. */
export function conninfoValue(conninfo: string | null, key: string): string | null {
  if (!conninfo) return null;
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/g;
  for (const m of conninfo.matchAll(re)) {
    if (m[1] !== key) continue;
    const raw = m[2] ?? '';
    return raw.startsWith("'") ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.replace(/\\(.)/g, '$1');
  }
  return null;
}

/** The application_name a WAL receiver connects with: explicit, else the fallback libpq used. */
export function receiverApplicationName(conninfo: string | null): string | null {
  return conninfoValue(conninfo, 'application_name') ?? conninfoValue(conninfo, 'fallback_application_name');
}
