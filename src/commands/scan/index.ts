// `cachedoctor scan`: sample keys, compare each cached version with its row on the primary, confirm, rank.
import type { CommandResult } from '../../core/envelope.js';
import { buildScanResult, type ScanData } from '../../core/scan/scanReport.js';
import { InterruptedError, SituationalError, SourceError, UsageError } from '../../errors.js';
import { finding, type Finding } from '../../core/findings/findings.js';
import { plural } from '../../core/plural.js';
import { connectPg, type PgConnection } from '../../sources/postgres/connect.js';
import { PgPool } from '../../sources/postgres/pool.js';
import { readTableShape } from '../../sources/postgres/tableInfo.js';
import { connectRedisNodes, type RedisNodes } from '../../sources/redis/connect.js';
import type { CommandContext } from '../context.js';
import { withMappings } from '../discovered.js';
import type { Mapping } from '../../core/scan/mapping.js';
import { MappingScan } from './mappingScan.js';
import { attributeToReplicas } from './replicas.js';
import type { ScanOptions } from './options.js';
import { walkMapping } from './walk.js';
import { startCursors } from '../../core/scan/sampleStart.js';

/** SCAN COUNT per round trip, batches in flight, and primary connections: measured in bench/scan. */
const SCAN_COUNT = 1000;
const IN_FLIGHT = 3;
const PG_CONNECTIONS = 2;

export { parse } from './options.js';

export function run(ctx: CommandContext, opts: ScanOptions): Promise<CommandResult<ScanData>> {
  return withMappings(ctx, opts.mappings, { ...opts, command: 'scan' }, (mappings) => scan(ctx, { ...opts, mappings }));
}

async function scan(ctx: CommandContext, opts: ScanOptions & { mappings: Mapping[] }): Promise<CommandResult<ScanData>> {
  const { settings: s, signal, out } = ctx;
  const { mappings } = opts;
  const started = performance.now();
  if (s.redis.url === null) throw new UsageError('scan needs Redis: pass --redis or set REDIS_URL');
  if (s.primary === null) throw new UsageError('scan needs the PostgreSQL primary: pass --pg or set DATABASE_URL');
  if (opts.replicas && s.replicas.length === 0) throw new UsageError('--replicas needs at least one --replica URL');

  let redis: RedisNodes | null = null;
  let pool: PgPool | null = null;
  const scans: MappingScan[] = [];
  try {
    const primary = s.primary;
    const connected = await Promise.allSettled([
      connectRedisNodes({ url: s.redis.url, flag: s.redis.origin, timeoutMs: s.timeoutMs, cluster: s.redis.cluster }),
      ...Array.from({ length: PG_CONNECTIONS }, () => connectPg({ url: primary.url, flag: primary.origin, timeoutMs: s.timeoutMs })),
    ]);
    // One failed connection must not leave the others open.
    const failed = connected.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed) {
      for (const c of connected) if (c.status === 'fulfilled') void c.value.close();
      throw failed.reason;
    }
    const values = connected.map((c) => (c as PromiseFulfilledResult<RedisNodes | PgConnection>).value);
    redis = values[0] as RedisNodes;
    pool = new PgPool(values.slice(1) as PgConnection[]);
    const db = pool;
    const nodes = redis.nodes;
    const cluster = s.redis.cluster ? { openNode: redis.open, cluster: { down: new Map<string, string>(), failoverWaited: false } } : {};
    const scanOpts = { ...opts, redisFlag: s.redis.origin, timeoutMs: s.timeoutMs, ...cluster };
    // Compared with a standby, a correct entry looks ahead and a stale one fresh: refuse rather than mislead.
    const [{ standby } = { standby: false }] = await db.use((c) => c.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby'));
    if (standby) {
      throw new SituationalError(
        `${primary.origin}: ${db.target} is a standby (in recovery), not the primary: scan compares the cache with the source of truth`,
        'point --pg (or DATABASE_URL) at the primary; give standbys with --replica',
      );
    }
    for (const m of mappings) scans.push(new MappingScan(m, await db.use((c) => readTableShape(c, m)), db, nodes, scanOpts, ctx.now));
    const pace = { started: Date.now(), read: 0 };
    // Each mapping starts its sample at its own cursor, from the one seed. Not on a cluster: Redis 7.4+ walks a
    // cluster node slot by slot (the slot in the cursor's low bits), where a random cursor and the wrap-around test
    // of sampleStart.ts would skip most slots; each master is walked from its start there.
    const seed = s.redis.cluster ? null : opts.seed;
    const starts = seed === null ? [] : startCursors(seed, scans.length);
    for (const [m, scan] of scans.entries()) {
      if (signal.aborted) break;
      const progress = () =>
        out.progress(
          `scan ${scan.mapping.name}: ${pace.read} keys read, ${scan.waiting} to re-check, ${Math.round(pace.read / Math.max(0.001, (Date.now() - pace.started) / 1000))} keys/s`,
        );
      await walkMapping(
        scan,
        {
          sample: opts.sample,
          rate: opts.rate,
          count: SCAN_COUNT,
          concurrency: IN_FLIGHT,
          failoverWaitMs: 4 * s.timeoutMs,
          starts: seed === null ? null : () => starts[m] ?? '0',
        },
        pace,
        signal,
        progress,
      );
    }
    // The last wrong entries wait out their grace period (on Ctrl-C they stay unconfirmed).
    for (const scan of scans) {
      await scan.settle(signal, (ms, waiting) =>
        out.progress(`scan: waiting ${Math.ceil(ms / 100) / 10} s to re-check ${waiting} wrong entries (writes in flight are not staleness)`, true),
      );
    }
    out.endProgress();
    if (signal.aborted && scans.every((x) => x.tally.sampled === 0)) throw new InterruptedError('interrupted before any key was compared');
    const { found, failures } = opts.replicas ? await attributeToReplicas(scans, s.replicas, s.timeoutMs) : { found: new Map<string, string>(), failures: [] };
    // Cluster masters that failed mid-walk: the rest was read; their keys were not (exit 3, incomplete).
    const lostNodes = new Map(scans.flatMap((x) => [...x.failedNodes]));
    const nodeFindings: Finding[] = [...lostNodes].map(([target, f]) =>
      finding('node-not-scanned', `cluster master ${target} could not be read (${f.reason}) after ${f.read} keys: the keys in its slots were not scanned`, {
        node: target,
        fix: 'check the node (CLUSTER NODES, its log); once a replica has taken over its slots, scan again',
      }),
    );
    const moving = scans.reduce((n, x) => n + x.midMigration, 0);
    if (moving > 0) {
      nodeFindings.push(
        finding(
          'keys-mid-migration',
          `${plural(moving, 'key')} could not be read: their slots were moving between masters (a reshard in progress) and no master would serve them`,
          { count: moving, fix: 'scan again once the reshard has finished (redis-cli --cluster check)' },
        ),
      );
    }
    const result = buildScanResult({
      tallies: scans.map((x) => ({ tally: x.tally, table: x.shape.label, ttlSeconds: x.mapping.ttlSeconds })),
      attributions: found,
      failures: [...failures, ...nodeFindings],
      thresholds: { maxStale: opts.maxStale, maxStaleRatio: opts.maxStaleRatio },
      graceSeconds: opts.graceMs / 1000,
      maxListed: opts.maxListed,
      complete: !signal.aborted && lostNodes.size === 0,
      seconds: (performance.now() - started) / 1000,
      seed,
    });
    // A cluster master or a --replica that could not be read: a source that failed (exit 3), with what was compared.
    const lost = [
      ...(lostNodes.size > 0
        ? [`${plural(lostNodes.size, 'cluster master')} could not be read: ${[...lostNodes].map(([t, f]) => `${t} (${f.reason})`).join(', ')}`]
        : []),
      ...failures.map((f) => f.message),
    ];
    return lost.length === 0 ? result : { ...result, sourceFailure: { message: lost.join('; '), server: lostNodes.size > 0 ? 'redis' : null } };
  } catch (err) {
    out.endProgress();
    if (signal.aborted && scans.every((x) => x.tally.sampled === 0))
      throw new InterruptedError('interrupted before any key was compared', undefined, { cause: err });
    // Redis or the primary lost mid-scan: report what was compared (incomplete, exit 3) rather than nothing.
    if (err instanceof SourceError && scans.some((x) => x.tally.sampled > 0)) {
      for (const scan of scans) scan.abandonWaiting();
      return {
        ...buildScanResult({
          tallies: scans.map((x) => ({ tally: x.tally, table: x.shape.label, ttlSeconds: x.mapping.ttlSeconds })),
          attributions: new Map(),
          failures: [],
          thresholds: { maxStale: opts.maxStale, maxStaleRatio: opts.maxStaleRatio },
          graceSeconds: opts.graceMs / 1000,
          maxListed: opts.maxListed,
          complete: false,
          seconds: (performance.now() - started) / 1000,
          seed: s.redis.cluster ? null : opts.seed,
        }),
        sourceFailure: { message: err.line, server: err.server },
      };
    }
    throw err;
  } finally {
    redis?.close();
    await pool?.close();
  }
}
