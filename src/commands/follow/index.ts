// `cachedoctor follow`: every committed write of a mapped table, from the primary's change stream (a temporary
// logical replication slot), checked in the cache: converged within --grace, or a finding that says why not, with
// CLIENT TRACKING saying when the key was touched and each replica's replay position saying where a refill could
// have read the old row.
import { sleep } from '../../async.js';
import type { CommandResult } from '../../core/envelope.js';
import { type CacheState, FollowChecker, type MappingFollow } from '../../core/follow/checker.js';
import type { FollowData, FollowGap } from '../../core/follow/followData.js';
import type { FollowMapping } from '../../core/follow/writes.js';
import { countsFailAt, finding, type Finding, severitiesOfCounts } from '../../core/findings/findings.js';
import type { FindingKind } from '../../core/findings/kinds.js';
import { decodeEntry } from '../../core/scan/decode.js';
import { cacheVersion, type VersionKind } from '../../core/scan/version.js';
import { formatBytes } from '../../core/units.js';
import { InterruptedError, SituationalError, SourceError, UsageError } from '../../errors.js';
import { ChangeStreamUnavailable } from '../../sources/postgres/changeStream.js';
import { clockOffset } from '../../sources/postgres/clock.js';
import { connectPg } from '../../sources/postgres/connect.js';
import { readTableShape, type TableShape } from '../../sources/postgres/tableInfo.js';
import { connectRedisNodes, nodeUrl, type RedisNodes } from '../../sources/redis/connect.js';
import { EntryReader } from '../../sources/redis/entries.js';
import { RoutedReader } from '../../sources/redis/routedReader.js';
import { TrackingFeed } from '../../sources/redis/tracking.js';
import type { CommandContext } from '../context.js';
import { withMappings } from '../discovered.js';
import type { Mapping } from '../../core/scan/mapping.js';
import type { FollowOptions } from './options.js';
import { ReplaySampler } from './replaySampler.js';
import { openWriteSource, type WriteSource } from './writeSource.js';

export { parse } from './options.js';

/** How often each replica's replay position is sampled. */
const REPLAY_SAMPLE_MS = 50;
/** How often the checks whose look is due are read. */
const CHECK_EVERY_MS = 50;
/** After the primary was lost: the first wait before reconnecting, doubling up to the last. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5000;

export function run(ctx: CommandContext, opts: FollowOptions): Promise<CommandResult<FollowData>> {
  // Its --rate caps the writes checked, not the names sampled: discovery is not paced by it.
  const how = { command: 'follow', rate: null, maxValueBytes: opts.maxValueBytes };
  return withMappings(ctx, opts.mappings, how, (mappings) => follow(ctx, { ...opts, mappings }));
}

async function follow(ctx: CommandContext, opts: FollowOptions & { mappings: Mapping[] }): Promise<CommandResult<FollowData>> {
  const { settings: s, signal, out } = ctx;
  if (s.redis.url === null) throw new UsageError('follow needs Redis (pass --redis or set REDIS_URL)');
  if (s.primary === null) throw new UsageError('follow needs the PostgreSQL primary: pass --pg or set DATABASE_URL');
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
        throw new SituationalError(
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
  // In serve (live), a replica that is down does not stop follow: it is sampled again once it is back.
  const replicas = new ReplaySampler(s.replicas, s.timeoutMs, (line) => out.note(line));
  const tracking: TrackingFeed[] = [];
  let redis: RedisNodes | null = null;
  const runFindings: Finding[] = [];
  let lost: SourceError | null = null;
  const gaps: FollowGap[] = [];
  let stopped: string | null = null;
  const started = Date.now();
  let maxBehind: number | null = null;
  let sampler: NodeJS.Timeout | undefined;
  try {
    await replicas.open(opts.live === undefined);
    const checker = new FollowChecker({
      graceMs: opts.graceMs,
      raceWindowMs: opts.raceWindowMs,
      maxPending: opts.maxPending,
      maxListed: opts.maxListed,
      channel: opts.channel,
      clock,
      replicas: replicas.names,
      observe: opts.live?.observe,
    });
    const nodes = await connectRedisNodes({ url: redisUrl, flag: s.redis.origin, timeoutMs: s.timeoutMs, cluster: s.redis.cluster });
    redis = nodes;
    const readers = new Map(
      opts.mappings.map((m, i) => [
        m.name,
        {
          mapping: m,
          versionKind: mappings[i]!.versionKind,
          reader: new RoutedReader(
            nodes,
            s.redis.cluster,
            (node) => new EntryReader(node, opts.maxValueBytes, [m.version.field], { flag: s.redis.origin, timeoutMs: s.timeoutMs }),
          ),
        },
      ]),
    );
    // Tracking is per node, redirected on the same node: on a cluster, one feed per master. The invalidation
    // channel is heard on one node (a cluster forwards PUBLISH to every node).
    const seed = redisUrl.split(',')[0]!.trim();
    const prefixes = trackingPrefixes(opts.mappings.map((m) => (m.template.source.startsWith('{') ? '' : (m.template.literals[0] ?? ''))));
    for (const [i, node] of nodes.nodes.entries()) {
      tracking.push(
        await TrackingFeed.open({
          url: s.redis.cluster ? nodeUrl(seed, String(node.options.host), Number(node.options.port)) : redisUrl,
          tlsName: s.redis.cluster ? new URL(seed).hostname : undefined,
          flag: s.redis.origin,
          timeoutMs: s.timeoutMs,
          prefixes,
          channel: i === 0 ? opts.channel : null,
          onTouched: (keys) => checker.touched(keys, Date.now()),
          onFlushed: () => checker.flushed(Date.now()),
          onBroadcast: (keys) => checker.broadcast(keys, Date.now()),
          onNote: (line) => ctx.out.note(`cachedoctor: follow: ${line}`),
          onLost: (err) => {
            lost ??= new SourceError(
              `Redis ${s.redis.cluster ? `node ${node.options.host}:${node.options.port} ` : ''}was lost mid-follow: ${err.message}`,
              'check Redis; what was followed until then is reported',
              { server: 'redis', category: 'unreachable' },
            );
          },
        }),
      );
    }
    // Each replica's replay position, often: when it passed a commit says whether a refill could have read it.
    sampler = setInterval(() => replicas.sample((name, lsn, at, sent) => checker.replayed(name, lsn, at, sent)), REPLAY_SAMPLE_MS);
    source = await openWriteSource({ url: primary.url, flag: primary.origin, timeoutMs: s.timeoutMs }, tables, opts.pollMs, out);
    opts.live?.stream({ up: true, mode: source.mode });
    out.note(
      `cachedoctor: following committed writes to ${mappings.map((m) => `${m.schema}.${m.table}`).join(', ')} on ${source.target}${source.slot ? ` (temporary slot ${source.slot}, dropped when follow ends)` : ' (polling)'}; checking each in Redis after ${opts.graceMs / 1000} s${opts.durationMs === null ? '; Ctrl-C stops and reports' : ` for ${opts.durationMs / 1000} s`}`,
    );

    // Two loops: one reads the write stream (a read may take seconds: a bulk load decodes whole), the other checks
    // the writes whose look is due, watches the slot's lag and whether the primary still answers. A lost stream is
    // reopened (a new slot: the writes committed in between are a gap, reported) while the checks go on.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const rate = { second: 0, accepted: 0 };
    let ending = false;
    let readingSince: number | null = null;
    let down: { fromMs: number; why: string } | null = null;
    let watchLost: SourceError | null = null;
    let failed: unknown = null;
    const feed = (next: Awaited<ReturnType<WriteSource['next']>>) => {
      for (const [mapping, n] of next.unkeyed ?? []) checker.unkeyed(mapping, n);
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
    };
    const reconnect = async (err: SourceError, fromMs: number) => {
      const why = (watchLost ?? err).line;
      watchLost = null;
      down = { fromMs, why };
      opts.live?.stream({ up: false, why });
      out.note(`cachedoctor: follow: lost the primary (${why}); reconnecting, checks of the writes already seen go on`);
      await src.close();
      for (let wait = RECONNECT_FIRST_MS; !stop.signal.aborted && !ending; wait = Math.min(wait * 2, RECONNECT_MAX_MS)) {
        await sleep(wait, stop.signal);
        if (stop.signal.aborted || ending) return;
        try {
          const { missed } = await src.reopen();
          const toMs = Date.now();
          down = null;
          opts.live?.stream({ up: true, mode: src.mode });
          if (missed) gaps.push({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), seconds: (toMs - fromMs) / 1000, why });
          out.note(
            `cachedoctor: follow: reconnected to ${src.target}${missed ? ` (temporary slot ${src.slot}): nothing was followed for ${((toMs - fromMs) / 1000).toFixed(1)} s` : ': polling goes on where it was'}`,
          );
          return;
        } catch (e) {
          if (!(e instanceof SourceError || e instanceof ChangeStreamUnavailable)) throw e;
          down = { fromMs, why: e instanceof SourceError ? e.line : e.reason };
        }
      }
    };
    const src = source;
    const reading = (async () => {
      let lastGood = Date.now();
      while (!stop.signal.aborted && !ending) {
        const at = Date.now();
        readingSince = at;
        try {
          const next = await src.next();
          readingSince = null;
          lastGood = at;
          if (stop.signal.aborted || ending) return;
          feed(next);
          if (!next.more) await sleep(src.idleMs, stop.signal);
        } catch (err) {
          readingSince = null;
          if (stop.signal.aborted || ending) return;
          if (!(err instanceof SourceError)) throw err;
          await reconnect(err, lastGood);
        }
      }
    })().catch((err) => {
      failed = err;
      stop.abort();
    });

    let lastBehindCheck = 0;
    let endBy = Number.POSITIVE_INFINITY;
    try {
      for (;;) {
        if (stop.signal.aborted || lost) break;
        const now = Date.now();
        if (!ending && opts.durationMs !== null && now - started >= opts.durationMs) {
          // No new writes: the checks already waiting get their looks, then the report.
          ending = true;
          endBy = now + 2 * opts.graceMs + 1000;
        }
        if (ending && (checker.pending === 0 || now >= endBy)) break;
        try {
          await checkDue(checker, readers);
        } catch (err) {
          // Redis lost mid-follow: what was followed until then is reported (exit 3).
          if (!(err instanceof SourceError) || stop.signal.aborted) throw err;
          lost = err;
          break;
        }
        checker.prune(Date.now());
        if (down === null && Date.now() - lastBehindCheck >= 1000) {
          lastBehindCheck = Date.now();
          try {
            const behind = await src.behindBytes();
            if (behind !== null) maxBehind = Math.max(maxBehind ?? 0, behind);
            if (behind !== null && behind > opts.maxSlotLagBytes) {
              stopped = `stopped: the temporary slot held back ${formatBytes(behind)} of WAL on the primary (over --max-slot-lag ${formatBytes(opts.maxSlotLagBytes)}): follow could not keep up with the writes`;
              break;
            }
          } catch (err) {
            if (!(err instanceof SourceError)) throw err;
            // The primary does not answer: the read waiting on it is given up, and the stream reopened.
            watchLost = err;
            void src.close();
          }
        }
        const d = down as { fromMs: number } | null;
        const state =
          d !== null
            ? `, reconnecting to the primary for ${Math.round((Date.now() - d.fromMs) / 1000)} s`
            : readingSince !== null && Date.now() - readingSince > 2000
              ? `, reading the change stream for ${Math.round((Date.now() - readingSince) / 1000)} s (a large transaction)`
              : '';
        out.progress(
          `follow: ${checker.pending} checks waiting${maxBehind !== null ? `, ${formatBytes(maxBehind)} behind at most` : ''}${state}, ${Math.round((Date.now() - started) / 1000)} s`,
        );
        await sleep(CHECK_EVERY_MS, stop.signal);
      }
    } finally {
      ending = true;
      stop.abort();
      signal.removeEventListener('abort', onAbort);
      await src.close();
      await reading;
    }
    if (failed) throw failed;
    const d = down as { fromMs: number; why: string } | null;
    if (d !== null) {
      const toMs = Date.now();
      gaps.push({ from: new Date(d.fromMs).toISOString(), to: new Date(toMs).toISOString(), seconds: (toMs - d.fromMs) / 1000, why: d.why });
      lost ??= new SourceError(`the primary could not be reached again: ${d.why}`, 'check the primary; what was followed until it was lost is reported', {
        server: 'postgres',
        category: 'unreachable',
      });
    }
    for (const g of gaps)
      runFindings.push(
        finding(
          'follow-gap',
          `nothing was followed from ${g.from} to ${g.to} (${g.seconds.toFixed(1)} s): ${g.why}; writes committed in between were not checked`,
          { ...g },
        ),
      );
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
      notes: [
        ...source.notes,
        ...result.mappings
          .filter((m) => m.unkeyed > 0)
          .map(
            (m) =>
              `${m.mapping}: ${m.unkeyed} changes gave no cache key (a delete names only the replica identity, and the key is made of other columns): counted as unchecked; ALTER TABLE ... REPLICA IDENTITY FULL would give them`,
          ),
      ],
      replicas: replicas.names,
      clock,
      graceMs: opts.graceMs,
      raceWindowMs: opts.raceWindowMs,
      channel: opts.channel,
      mappings: result.mappings,
      maxBehindBytes: maxBehind,
      gaps,
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
    return lost ? { ...outcome, sourceFailure: { message: (lost as SourceError).line, server: (lost as SourceError).server } } : outcome;
  } finally {
    clearInterval(sampler);
    for (const t of tracking) t.close();
    redis?.close();
    await Promise.all([source?.close(), replicas.close()]);
  }
}

/** Reads the keys whose check is due, a batch per mapping, and gives each check what its key holds. */
type Reader = { mapping: Mapping; versionKind: VersionKind; reader: RoutedReader };

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
      for (const [j, c] of batch.entries()) checker.answer(c.id, reads[j]!.refused ? { kind: 'refused' } : stateOf(reads[j]!.read, r), now);
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
