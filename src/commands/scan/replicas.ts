// With --replicas: reads each confirmed stale row on every replica, and names one that still serves the old
// version, the likely source of the stale fill (the replica-lag ambush).
import type { Source } from '../../config/resolve.js';
import { cacheVersion, compareVersions, rowVersion } from '../../core/scan/version.js';
import { finding, type Finding } from '../../core/findings/findings.js';
import { SourceError } from '../../errors.js';
import { connectPg, type PgConnection, pgTarget } from '../../sources/postgres/connect.js';
import { fetchRows } from '../../sources/postgres/rows.js';
import type { MappingScan } from './mappingScan.js';

/**
 * found: `${mapping}\0${key}` -> the replica (host:port) whose row is not newer than the cached version.
 * failures: a finding per replica that could not be asked, so "no lagging replica" is never said by silence.
 */
export async function attributeToReplicas(
  scans: readonly MappingScan[],
  replicas: readonly Source[],
  timeoutMs: number,
): Promise<{ found: Map<string, string>; failures: Finding[] }> {
  const found = new Map<string, string>();
  const failures: Finding[] = [];
  for (const replica of replicas) {
    let db: PgConnection;
    try {
      db = await connectPg({ url: replica.url, flag: replica.origin, timeoutMs });
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      failures.push(
        finding('source-failed', `--replicas: ${err.message}: stale rows were not checked there`, {
          source: 'replica',
          target: pgTarget(replica.url, replica.origin).target,
          fix: err.hint ?? 'check the --replica URL',
        }),
      );
      continue;
    }
    try {
      for (const scan of scans) {
        const stale = scan.tally.worstEntries().filter((e) => e.state === 'stale' && !found.has(`${e.mapping}\u0000${e.key}`));
        const withIds = stale
          .map((e) => ({ e, values: scan.keyValues(e.key) }))
          .filter((x): x is { e: typeof x.e; values: string[] } => Array.isArray(x.values));
        const rows = await fetchRows(
          db,
          scan.shape,
          scan.sql,
          withIds.map((x) => x.values),
        );
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
  return { found, failures };
}
