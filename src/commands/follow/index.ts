// `cachedoctor follow`: every committed write of a mapped table, from the primary's change stream (a temporary
// logical replication slot), checked in the cache: converged within --grace, or a finding that says why not, with
// CLIENT TRACKING saying when the key was touched and each replica's replay position saying where a refill could
// have read the old row.
import { sleep } from '../../async.js';
import type { CommandResult } from '../../core/envelope.js';
import { type CacheState, FollowChecker, type MappingFollow } from '../../core/follow/checker.js';
import type { FollowData } from '../../core/follow/followData.js';
import type { FollowMapping } from '../../core/follow/writes.js';
import { countsFailAt, finding, type Finding, severitiesOfCounts } from '../../core/findings/findings.js';
import type { FindingKind } from '../../core/findings/kinds.js';
import { decodeEntry } from '../../core/scan/decode.js';
import { cacheVersion, type VersionKind } from '../../core/scan/version.js';
import { formatBytes } from '../../core/units.js';
import { InterruptedError, SourceError, UsageError } from '../../errors.js';
import { clockOffset } from '../../sources/postgres/clock.js';
import { connectPg, type PgConnection } from '../../sources/postgres/connect.js';
import { readTableShape, type TableShape } from '../../sources/postgres/tableInfo.js';
import { connectRedis } from '../../sources/redis/connect.js';
import { EntryReader } from '../../sources/redis/entries.js';
import { TrackingFeed } from '../../sources/redis/tracking.js';
import type { CommandContext } from '../context.js';
import type { FollowOptions } from './options.js';
import { openWriteSource, type WriteSource } from './writeSource.js';

export { parse } from './options.js';

/** How often each replica's replay position is sampled. */
const REPLAY_SAMPLE_MS = 50;

export async function run(ctx: CommandContext, opts: FollowOptions): Promise<CommandResult<FollowData>> {
  const { settings: s, signal, out } = ctx;
  if (s.redis.url === null) throw new UsageError('follow needs Redis (pass --redis or set REDIS_URL)');
  if (s.primary === null) throw new UsageError('follow needs the PostgreSQL primary: pass --pg or set DATABASE_URL');
  if (s.redis.cluster) throw new UsageError('follow does not follow a Redis Cluster yet', 'use scan or report on a cluster');
  const redisUrl = s.redis.url;
  const primary = s.primary;

  // The mappings as PostgreSQL names their tables (the slot names schema and table), read on an ordinary session.
  const meta = await connectPg({ url: primary.url, flag: primary.origin, timeoutMs: s.timeoutMs });
  let mappings: FollowMapping[];
  const tables: { mapping: FollowMapping; shape: TableShape }[] = [];
  let clock: { offsetMs: number; uncertaintyMs: number };
  try {
    clock = await clockOffset(meta);
    mappings = [];
    for (const m of opts.mappings) {
      const shape = await readTableShape(meta, m);
      const [rel] = await meta.query<{ schema: string; name: string; kind: string }>(
        'SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)',
        [shape.sql],
      );
      // The stream has a table's row changes: a view has none; a partitioned table's come as its partitions'.
      if (rel!.kind !== 'r' && rel!.kind !== 'p')
        throw new UsageError(
          `follow reads the row changes of a table, and ${shape.label} is not one (a view or a foreign table)`,
          'map the table it reads from',
        );
      const leaves = await meta.query<{ schema: string; table: string }>(
        `SELECT n.nspname AS schema, c.relname AS table FROM pg_partition_tree(to_regclass($1)) p
           JOIN pg_class c ON c.oid = p.relid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE p.isleaf`,
        [shape.sql],
      );
      const mapping: FollowMapping = {
        name: m.name,
        schema: rel!.schema,
        table: rel!.name,
        sources: leaves.length > 0 ? leaves : [{ schema: rel!.schema, table: rel!.name }],
        template: m.template,
        keyColumns: shape.keyColumns.map((c) => c.name),
        versionColumn: shape.version.name,
        versionKind: shape.version.kind,
      };
      mappings.push(mapping);
      tables.push({ mapping, shape });
    }
  } finally {
    await meta.close();
  }

  // Everything that watches the cache and the replicas is up before the write stream starts: a write the stream
  // gives must never have been invalidated before tracking began.
  let source: WriteSource | null = null;
  const replicas: { name: string; db: PgConnection }[] = [];
  let tracking: TrackingFeed | null = null;
  let redis: Awaited<ReturnType<typeof connectRedis>> | null = null;
  const runFindings: Finding[] = [];
  let lost: SourceError | null = null;
  let stopped: string | null = null;
  const started = Date.now();
  let maxBehind: number | null = null;
  let sampler: NodeJS.Timeout | undefined;
  try {
    for (const r of s.replicas) {
      const db = await connectPg({ url: r.url, flag: r.origin, timeoutMs: s.timeoutMs });
      replicas.push({ name: db.target, db });
    }
    const checker = new FollowChecker({
      graceMs: opts.graceMs,
      raceWindowMs: opts.raceWindowMs,
      maxPending: opts.maxPending,
      maxListed: opts.maxListed,
      channel: opts.channel,
      clock,
      replicas: replicas.map((r) => r.name),
    });
    redis = await connectRedis({ url: redisUrl, flag: s.redis.origin, timeoutMs: s.timeoutMs });
    const readers = new Map(
      opts.mappings.map((m, i) => [
        m.name,
        {
          mapping: m,
          versionKind: mappings[i]!.versionKind,
          reader: new EntryReader(redis!, opts.maxValueBytes, [m.version.field], { flag: s.redis.origin, timeoutMs: s.timeoutMs }),
        },
      ]),
    );
    tracking = await TrackingFeed.open({
      url: redisUrl,
      flag: s.redis.origin,
      timeoutMs: s.timeoutMs,
      prefixes: trackingPrefixes(opts.mappings.map((m) => (m.template.source.startsWith('{') ? '' : (m.template.literals[0] ?? '')))),
      channel: opts.channel,
      onTouched: (keys) => checker.touched(keys, Date.now()),
      onBroadcast: (keys) => checker.broadcast(keys, Date.now()),
      onLost: (err) => {
        lost ??= new SourceError(`Redis was lost mid-follow: ${err.message}`, 'check Redis; what was followed until then is reported', {
          server: 'redis',
          category: 'unreachable',
        });
      },
    });
    // Each replica's replay position, often: when it passed a commit says whether a refill could have read it.
    let sampling = false;
    sampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      void Promise.all(
        replicas.map(async (r) => {
          const sent = Date.now();
          const [row] = await r.db.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn').catch(() => []);
          if (row?.lsn) checker.replayed(r.name, row.lsn, Date.now(), sent);
        }),
      ).finally(() => {
        sampling = false;
      });
    }, REPLAY_SAMPLE_MS);
    source = await openWriteSource({ url: primary.url, flag: primary.origin, timeoutMs: s.timeoutMs }, tables, opts.pollMs, out);
    out.note(
      `cachedoctor: following committed writes to ${mappings.map((m) => `${m.schema}.${m.table}`).join(', ')} on ${source.target}${source.slot ? ` (temporary slot ${source.slot}, dropped when follow ends)` : ' (polling)'}; checking each in Redis after ${opts.graceMs / 1000} s${opts.durationMs === null ? '; Ctrl-C stops and reports' : ` for ${opts.durationMs / 1000} s`}`,
    );

    const rate = { second: 0, accepted: 0 };
    let lastBehindCheck = 0;
    let ending = false;
    let endBy = Number.POSITIVE_INFINITY;
    for (;;) {
      if (signal.aborted || lost) break;
      try {
        const now = Date.now();
        if (!ending && opts.durationMs !== null && now - started >= opts.durationMs) {
          // No new writes: the checks already waiting get their two looks, then the report.
          ending = true;
          endBy = now + 2 * opts.graceMs + 1000;
        }
        if (ending && (checker.pending === 0 || now >= endBy)) break;
        let more = false;
        if (!ending) {
          const next = await source.next();
          more = next.more;
          const seen = Date.now();
          for (const w of next.writes) {
            const sec = Math.floor(seen / 1000);
            if (sec !== rate.second) {
              rate.second = sec;
              rate.accepted = 0;
            }
            if (opts.rate !== null && rate.accepted >= opts.rate) checker.skipped(w);
            else {
              rate.accepted += 1;
              checker.write(w, seen);
            }
          }
        }
        await checkDue(checker, readers);
        checker.prune(Date.now());
        if (Date.now() - lastBehindCheck >= 1000) {
          lastBehindCheck = Date.now();
          const behind = await source.behindBytes();
          if (behind !== null) maxBehind = Math.max(maxBehind ?? 0, behind);
          if (behind !== null && behind > opts.maxSlotLagBytes) {
            stopped = `stopped: the temporary slot held back ${formatBytes(behind)} of WAL on the primary (over --max-slot-lag ${formatBytes(opts.maxSlotLagBytes)}): follow could not keep up with the writes`;
            break;
          }
        }
        out.progress(
          `follow: ${checker.pending} checks waiting${maxBehind !== null ? `, ${formatBytes(maxBehind)} behind at most` : ''}, ${Math.round((Date.now() - started) / 1000)} s`,
        );
        if (!more) await sleep(ending ? Math.min(100, source.idleMs) : source.idleMs, signal);
      } catch (err) {
        // The primary or Redis lost mid-follow: what was followed until then is reported (exit 3).
        if (!(err instanceof SourceError) || signal.aborted) throw err;
        lost = err;
        break;
      }
    }
    out.endProgress();
    if (signal.aborted && Date.now() - started < 200) throw new InterruptedError('interrupted before any write was followed');
    if (stopped) runFindings.push(finding('follow-stopped', stopped, { maxBehindBytes: maxBehind }));
    const result = checker.finish();
    const counts: Partial<Record<FindingKind, number>> = { ...(result.counts as Partial<Record<FindingKind, number>>) };
    for (const f of runFindings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
    const total = (pick: (m: MappingFollow) => number) => result.mappings.reduce((n, m) => n + pick(m), 0);
    const findings = [...result.findings, ...runFindings];
    const data: FollowData = {
      primary: source.target,
      mode: source.mode,
      slot: source.slot,
      notes: source.notes,
      replicas: replicas.map((r) => r.name),
      clock,
      graceMs: opts.graceMs,
      raceWindowMs: opts.raceWindowMs,
      channel: opts.channel,
      mappings: result.mappings,
      maxBehindBytes: maxBehind,
      seenAfterCommitMs: result.seenAfterCommitMs,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    const outcome: CommandResult<FollowData> = {
      command: 'follow',
      fails: countsFailAt(counts, opts.failOn),
      complete: !signal.aborted && stopped === null && lost === null,
      findings,
      summary: {
        writes: total((m) => m.writes),
        checked: total((m) => m.checked),
        converged: total((m) => m.converged),
        stale: total((m) => m.checked - m.converged),
        unchecked: total((m) => m.unchecked),
        missingBroadcasts: total((m) => m.missingBroadcasts),
        ...severitiesOfCounts(counts),
      },
      counts,
      data,
    };
    return lost ? { ...outcome, sourceFailure: { message: (lost as SourceError).line } } : outcome;
  } finally {
    clearInterval(sampler);
    tracking?.close();
    redis?.disconnect();
    await Promise.all([source?.close(), ...replicas.map((r) => r.db.close())]);
  }
}

/** Reads the keys whose check is due, a batch per mapping, and gives each check what its key holds. */
type Reader = { mapping: FollowOptions['mappings'][number]; versionKind: VersionKind; reader: EntryReader };

async function checkDue(checker: FollowChecker, readers: Map<string, Reader>): Promise<void> {
  const due = checker.due(Date.now());
  if (due.length === 0) return;
  const byMapping = new Map<string, typeof due>();
  for (const d of due) byMapping.set(d.mapping, [...(byMapping.get(d.mapping) ?? []), d]);
  for (const [name, checks] of byMapping) {
    const r = readers.get(name)!;
    for (let i = 0; i < checks.length; i += 500) {
      const batch = checks.slice(i, i + 500);
      const reads = await r.reader.read(batch.map((c) => Buffer.from(c.key)));
      const now = Date.now();
      for (const [j, c] of batch.entries()) checker.answer(c.id, stateOf(reads[j]!.read, r), now);
    }
  }
}

/** What a read of the key says: gone, its version, or why it cannot be read. */
function stateOf(read: Parameters<typeof decodeEntry>[0], r: Reader): CacheState {
  if (read.type === 'none' || read.pttl === -2) return { kind: 'absent' };
  if (read.type === 'string' && read.value === null) return { kind: 'oversized' };
  const decoded = decodeEntry(read, r.mapping.encoding);
  if (!decoded.ok) return { kind: 'unreadable', why: `a value that ${decoded.reason}` };
  const v = cacheVersion(decoded.get(r.mapping.version.field), r.versionKind);
  return 'error' in v ? { kind: 'unreadable', why: `a value without a readable ${r.mapping.version.field}` } : { kind: 'version', version: v };
}

/** BCAST prefixes Redis accepts: none may start another (user: covers user:profile:), so the covered ones go. */
export function trackingPrefixes(prefixes: readonly string[]): string[] {
  const unique = [...new Set(prefixes)].sort((a, b) => a.length - b.length);
  return unique.filter((p, i) => !unique.slice(0, i).some((q) => p.startsWith(q)));
}
