// `cachedoctor report`: lag, scan of every mapping and the invalidation channel's subscribers, side by side, then
// (with --monitor) a MONITOR window: one ranked staleness report. A part whose source fails becomes a finding; the
// others still run. Exit 3 only when nothing could be checked.
import type { CommandResult } from '../../core/envelope.js';
import { buildReportResult, type PartRun } from '../../core/report/reportResult.js';
import type { ReportData } from '../../core/report/reportResult.js';
import { InterruptedError, SourceError, UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
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
  const noMappings = "no mappings (a config file's mappings, or --key and --table)";
  // follow watches the writes for its whole window, beside everything else (it only listens, and reads keys).
  const follow = part(
    signal,
    opts.followMs === null
      ? 'not asked (--follow <duration>)'
      : (noRedis ?? (s.primary === null ? 'no PostgreSQL primary given (--pg)' : opts.follow === null ? noMappings : null)),
    () => runFollow(ctx, opts.follow!),
  );
  out.progress('report: checking replication lag, the cache and the invalidation channel ...', true);
  // Lag, scan and the subscriber count do not depend on each other: side by side, so with every source down the
  // report takes about one --timeout, not one per part.
  const [lag, scan, subscribers] = await Promise.all([
    part(signal, s.primary === null && s.replicas.length === 0 ? 'no PostgreSQL given (--pg, --replica)' : null, () => runLag(ctx, opts.lag)),
    part(signal, noRedis ?? (s.primary === null ? 'no PostgreSQL primary given (--pg)' : opts.scan === null ? noMappings : null), () =>
      runScan(ctx, { ...opts.scan!, replicas: s.replicas.length > 0 }),
    ),
    part(signal, noRedis ?? (opts.channel === null ? 'no invalidation channel given (--channel)' : null), () =>
      countSubscribers(ctx, opts.channel!, opts.expectSubscribers),
    ),
  ]);
  out.endProgress();
  // The MONITOR window follows the scan (whose own reads would fill it); a Redis that could not be reached just
  // now is not waited for again.
  const redisDown = [scan, subscribers].find((p) => p.status === 'failed' && p.redisUnreachable);
  const monitor: PartRun<object> =
    redisDown?.status === 'failed' && opts.monitor !== null
      ? { status: 'failed', reason: redisDown.reason }
      : await part(
          signal,
          opts.monitorMs === null ? 'not asked (--monitor <duration>: MONITOR costs Redis throughput)' : opts.monitor === null ? noMappings : null,
          () => {
            out.progress(`report: watching MONITOR for ${opts.monitor!.durationMs / 1000} s ...`, true);
            return runMonitor(ctx, opts.monitor!);
          },
        );
  out.endProgress();
  if (opts.followMs !== null) out.progress('report: following the writes until the --follow window ends ...', true);
  const followed = await follow;
  out.endProgress();
  const parts = [lag, scan, subscribers, monitor, followed];
  if (signal.aborted && parts.every((p) => p.status === 'skipped')) throw new InterruptedError('interrupted before anything was checked');
  return buildReportResult({
    lag: lag as PartRun<never>,
    scan: scan as PartRun<never>,
    subscribers: subscribers as PartRun<never>,
    monitor: monitor as PartRun<never>,
    follow: followed as PartRun<never>,
    channel: opts.channel,
    failOn: opts.failOn,
    complete: !signal.aborted,
  });
}

/** One part of the report: skipped (with why), failed (its source could not be read), or its result. */
async function part(signal: AbortSignal, skipped: string | null, run: () => Promise<CommandResult>): Promise<PartRun<object> & { redisUnreachable?: boolean }> {
  if (skipped !== null) return { status: 'skipped', reason: skipped };
  if (signal.aborted) return { status: 'skipped', reason: 'interrupted (Ctrl-C) before this part' };
  try {
    const result = await run();
    return {
      status: result.complete && !result.sourceFailure ? 'ok' : 'partial',
      result,
      reason: result.sourceFailure?.message ?? (result.complete ? null : 'stopped before it finished'),
    };
  } catch (err) {
    if (err instanceof SourceError) return { status: 'failed', reason: err.line, redisUnreachable: err.server === 'redis' && err.category === 'unreachable' };
    if (err instanceof InterruptedError) return { status: 'skipped', reason: 'interrupted (Ctrl-C)' };
    throw err;
  }
}
