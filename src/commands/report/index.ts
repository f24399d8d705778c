// `cachedoctor report`: lag, scan of every mapping and the invalidation channel's subscribers, side by side, then
// (with --monitor) a MONITOR window: one ranked staleness report. A part whose source fails becomes a finding; the
// others still run. Exit 3 only when nothing could be checked.
import type { CommandResult } from '../../core/envelope.js';
import { buildReportResult, type PartRun } from '../../core/report/reportResult.js';
import type { ReportData } from '../../core/report/reportResult.js';
import { InterruptedError, SourceError, UsageError } from '../../errors.js';
import { DISCOVER, type GivenMappings } from '../../config/mappings.js';
import type { ProposedMapping } from '../../core/discover/propose.js';
import type { Mapping } from '../../core/scan/mapping.js';
import type { CommandContext } from '../context.js';
import { type DiscoverFor, discoverMappings, NONE_FOUND } from '../discovered.js';
import { run as runFollow } from '../follow/index.js';
import { run as runLag } from '../lag/index.js';
import { run as runMonitor } from '../monitor/index.js';
import { run as runScan } from '../scan/index.js';
import type { ReportOptions } from './options.js';
import { countSubscribers } from './subscribers.js';

export { parse } from './options.js';

export async function run(ctx: CommandContext, opts: ReportOptions): Promise<CommandResult<ReportData>> {
  const { settings: s, signal, out } = ctx;
  if (s.primary === null && s.replicas.length === 0 && s.redis.url === null) {
    throw new UsageError(
      'nothing to check: no PostgreSQL and no Redis given',
      'pass --pg (the primary), --replica and --redis, or a config file that names them',
    );
  }
  if (opts.monitorMs !== null && s.redis.url === null) throw new UsageError('--monitor needs Redis: pass --redis or set REDIS_URL');

  const noRedis = s.redis.url === null ? 'no Redis given (--redis)' : null;
  const noPrimary = s.primary === null ? 'no PostgreSQL primary given (--pg)' : null;
  out.progress('report: checking replication lag, the cache and the invalidation channel ...', true);
  // Lag, scan and the subscriber count do not depend on each other: side by side, so with every source down the
  // report takes about one --timeout, not one per part. Lag and the subscribers start while the mappings are found.
  const lag = started(
    part(signal, s.primary === null && s.replicas.length === 0 ? 'no PostgreSQL given (--pg, --replica)' : null, () => runLag(ctx, opts.lag)),
  );
  const subscribers = started(
    part(signal, noRedis ?? (opts.channel === null ? 'no invalidation channel given (--channel)' : null), () =>
      countSubscribers(ctx, opts.channel!, opts.expectSubscribers),
    ),
  );
  // The mapped parts (scan, monitor, follow) share the mappings: given, or discovered once here.
  const mapped = await mappingsOf(ctx, opts.mappings, { ...opts.scan, command: 'report' });
  // follow watches the writes for its whole window, beside everything else (it only listens, and reads keys).
  const follow = part(signal, opts.followMs === null ? 'not asked (--follow <duration>)' : (noRedis ?? noPrimary ?? mapped.unusable), () =>
    runFollow(ctx, { ...opts.follow!, mappings: mapped.mappings }),
  );
  const scan = await part(signal, noRedis ?? noPrimary ?? mapped.unusable, () =>
    runScan(ctx, { ...opts.scan, mappings: mapped.mappings, replicas: s.replicas.length > 0 }),
  );
  const parallel = { lag: await lag, subscribers: await subscribers };
  out.endProgress();
  // The MONITOR window follows the scan (whose own reads would fill it); a Redis that could not be reached just
  // now is not waited for again.
  const redisDown = [scan, parallel.subscribers].find((p) => p.status === 'failed' && p.redisUnreachable);
  const monitor: PartRun<object> =
    redisDown?.status === 'failed' && opts.monitor !== null
      ? { status: 'failed', reason: redisDown.reason }
      : await part(signal, opts.monitor === null ? 'not asked (--monitor <duration>: MONITOR costs Redis throughput)' : mapped.unusable, () => {
          out.progress(`report: watching MONITOR for ${opts.monitor!.durationMs / 1000} s ...`, true);
          return runMonitor(ctx, { ...opts.monitor!, follow: { mappings: mapped.mappings, match: null } });
        });
  out.endProgress();
  if (opts.followMs !== null) out.progress('report: following the writes until the --follow window ends ...', true);
  const followed = await follow;
  out.endProgress();
  const parts = [parallel.lag, scan, parallel.subscribers, monitor, followed];
  if (signal.aborted && parts.every((p) => p.status === 'skipped')) throw new InterruptedError('interrupted before anything was checked');
  const result = buildReportResult({
    lag: parallel.lag as PartRun<never>,
    scan: scan as PartRun<never>,
    subscribers: parallel.subscribers as PartRun<never>,
    monitor: monitor as PartRun<never>,
    follow: followed as PartRun<never>,
    channel: opts.channel,
    failOn: opts.failOn,
    complete: !signal.aborted,
  });
  return mapped.discovered ? { ...result, discovered: mapped.discovered } : result;
}

/** A part awaited later: its failure (a bug, not a source) is still thrown there, not reported as unhandled now. */
function started<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

type Failed = { status: 'failed'; reason: string; redisUnreachable: boolean };

/**
 * The mapped parts' mappings: given, or discovered (with Redis and the primary). `unusable`: why those parts cannot
 * run (a reason they are skipped, or the failure of the discovery).
 */
async function mappingsOf(
  ctx: CommandContext,
  given: GivenMappings,
  how: DiscoverFor,
): Promise<{ mappings: Mapping[]; unusable: string | Failed | null; discovered: ProposedMapping[] | null }> {
  if (given !== DISCOVER) return { mappings: given, unusable: null, discovered: null };
  const { settings: s } = ctx;
  if (s.redis.url === null || s.primary === null)
    return { mappings: [], unusable: 'no mappings given (discovering them needs --redis and --pg)', discovered: null };
  try {
    const found = await discoverMappings(ctx, how);
    return { ...found, unusable: found.mappings.length === 0 ? `${NONE_FOUND} (cachedoctor init shows why)` : null };
  } catch (err) {
    if (err instanceof SourceError)
      return { mappings: [], unusable: { status: 'failed', reason: err.line, redisUnreachable: isRedisDown(err) }, discovered: null };
    throw err;
  }
}

const isRedisDown = (err: SourceError) => err.server === 'redis' && err.category === 'unreachable';

/** One part of the report: skipped (with why), failed (its source could not be read), or its result. */
async function part(
  signal: AbortSignal,
  skipped: string | Failed | null,
  run: () => Promise<CommandResult>,
): Promise<PartRun<object> & { redisUnreachable?: boolean }> {
  if (typeof skipped === 'string') return { status: 'skipped', reason: skipped };
  if (skipped !== null) return skipped;
  if (signal.aborted) return { status: 'skipped', reason: 'interrupted (Ctrl-C) before this part' };
  try {
    const result = await run();
    return {
      status: result.complete && !result.sourceFailure ? 'ok' : 'partial',
      result,
      reason: result.sourceFailure?.message ?? (result.complete ? null : 'stopped before it finished'),
    };
  } catch (err) {
    if (err instanceof SourceError) return { status: 'failed', reason: err.line, redisUnreachable: isRedisDown(err) };
    if (err instanceof InterruptedError) return { status: 'skipped', reason: 'interrupted (Ctrl-C)' };
    throw err;
  }
}
