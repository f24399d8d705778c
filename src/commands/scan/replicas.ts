// With --replicas: reads each confirmed stale row on every replica, and names one that still serves the old
// version, the likely source of the stale fill (the replica-lag ambush).
import type { Source } from '../../config/resolve.js';
import { cacheVersion, compareVersions, rowVersion } from '../../core/scan/version.js';
import { SourceError } from '../../errors.js';
import { connectPg } from '../../sources/postgres/connect.js';
import { fetchRows } from '../../sources/postgres/rows.js';
import type { MappingScan } from './mappingScan.js';

/** Map of `${mapping}\0${key}` -> the replica (host:port) whose row is not newer than the cached version. */
export async function attributeToReplicas(scans: readonly MappingScan[], replicas: readonly Source[], timeoutMs: number): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const replica of replicas) {
    let db;
    try {
      db = await connectPg({ url: replica.url, flag: replica.origin, timeoutMs });
    } catch (err) {
      if (err instanceof SourceError) continue; // lag reports unreachable replicas; attribution is best effort
      throw err;
    }
    try {
      for (const scan of scans) {
        const stale = scan.tally.worst.sorted().filter((e) => e.state === 'stale' && !found.has(`${e.mapping}\u0000${e.key}`));
        const withIds = stale.map((e) => ({ e, values: scan.keyValues(e.key) })).filter((x): x is { e: typeof x.e; values: string[] } => Array.isArray(x.values));
        const rows = await fetchRows(db, scan.shape, scan.sql, withIds.map((x) => x.values));
        for (const [i, { e }] of withIds.entries()) {
          const row = rows[i];
          if (!row || e.cacheVersion === null) continue;
          const onReplica = rowVersion(row.version, scan.shape.version.kind);
          const cached = cacheVersion(e.cacheVersion, scan.shape.version.kind);
          if ('error' in onReplica || 'error' in cached) continue;
          // The replica is no newer than what the cache holds: a fill from it would have written exactly this.
          if (compareVersions(cached, onReplica).order >= 0) found.set(`${e.mapping}\u0000${e.key}`, db.target);
        }
      }
    } finally {
      await db.close();
    }
  }
  return found;
}
