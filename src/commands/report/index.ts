// `cachedoctor report`: lag, then scan of every mapping, then the invalidation channel's subscribers, then (with
// --monitor) a MONITOR window: one ranked staleness report. A part whose source fails becomes a finding; the others
// still run. Exit 3 only when nothing could be checked.
import { mappingsFromOptions } from '../../config/mappings.js';
import { count, durationMs, failOn } from '../../config/resolve.js';
import type { CommandResult } from '../../core/envelope.js';
import { buildReportResult, type PartRun, type ReportData, type SubscribersData } from '../../core/report/reportResult.js';
import { InterruptedError, SourceError, UsageError } from '../../errors.js';
import { connectRedisNodes, redisTarget } from '../../sources/redis/connect.js';
import { channelSubscribers } from '../../sources/redis/subscribers.js';
import { subscriberFindings } from '../../core/subscribers.js';
import type { CommandContext } from '../context.js';
import { runLag } from '../lag/index.js';
import { runMonitor } from '../monitor/index.js';
import { runScan } from '../scan/index.js';

/** Options the report hands to scan and monitor as they are. */
const MAPPING_OPTIONS = ['key', 'table', 'versionField', 'versionColumn', 'compare', 'mapping'] as const;
const SCAN_PASSED = [...MAPPING_OPTIONS, 'sample', 'rate', 'maxValueBytes', 'grace'] as const;

export async function runReport(ctx: CommandContext): Promise<CommandResult<ReportData>> {
  const { settings: s, options: o, signal, out } = ctx;
  const severity = failOn(o.failOn, 'critical');
  const monitorMs = o.monitor === undefined ? null : durationMs('--monitor', String(o.monitor), 's');
  const channel = (o.channel as string | undefined) ?? null;
  const expectSubscribers = o.expectSubscribers === undefined ? null : count('--expect-subscribers', String(o.expectSubscribers));
  if (expectSubscribers !== null && channel === null) throw new UsageError('--expect-subscribers needs --channel');
  if (s.primary === null && s.replicas.length === 0 && s.redis.url === null) {
    throw new UsageError(
      'nothing to check: no PostgreSQL and no Redis given',
      'pass --pg (the primary), --replica and --redis, or a config file that names them',
    );
  }
  if (monitorMs !== null && s.redis.url === null) throw new UsageError('--monitor needs Redis: pass --redis or set REDIS_URL');
  // Mapping mistakes are the user's to fix before anything runs (exit 2), not a part that "failed".
  const hasMappings = o.key !== undefined || o.table !== undefined || s.mappings.length > 0;
  const pick = (names: readonly string[]) => Object.fromEntries(names.filter((n) => o[n] !== undefined).map((n) => [n, o[n]]));
  if (hasMappings) mappingsFromOptions(s.mappings, s.configPath, pick(MAPPING_OPTIONS));

  const part = async <D extends object>(name: string, skipped: string | null, run: () => Promise<CommandResult<D>>): Promise<PartRun<D>> => {
    if (skipped !== null) return { status: 'skipped', reason: skipped };
    if (signal.aborted) return { status: 'skipped', reason: 'interrupted (Ctrl-C) before this part' };
    out.progress(`report: ${name} ...`, true);
    try {
      const result = await run();
      return {
        status: result.complete && !result.sourceFailure ? 'ok' : 'partial',
        result,
        reason: result.sourceFailure?.message ?? (result.complete ? null : 'stopped before it finished'),
      };
    } catch (err) {
      if (err instanceof SourceError) return { status: 'failed', reason: err.line };
      if (err instanceof InterruptedError) return { status: 'skipped', reason: 'interrupted (Ctrl-C)' };
      throw err;
    } finally {
      out.endProgress();
    }
  };
  const noRedis = s.redis.url === null ? 'no Redis given (--redis)' : null;
  const lag = await part('replication lag', s.primary === null && s.replicas.length === 0 ? 'no PostgreSQL given (--pg, --replica)' : null, () =>
    runLag({ ...ctx, options: {} }),
  );
  const scan = await part(
    'scanning the cache against the primary',
    noRedis ??
      (s.primary === null ? 'no PostgreSQL primary given (--pg)' : hasMappings ? null : "no mappings (a config file's mappings, or --key and --table)"),
    () => runScan({ ...ctx, options: { ...pick(SCAN_PASSED), replicas: s.replicas.length > 0, quiet: true, maxListed: '10000' } }),
  );
  const subscribers = await part('invalidation channel subscribers', noRedis ?? (channel === null ? 'no invalidation channel given (--channel)' : null), () =>
    countSubscribers(ctx, channel!, expectSubscribers),
  );
  const monitor = await part(
    `watching MONITOR for ${(monitorMs ?? 0) / 1000} s`,
    monitorMs === null
      ? 'not asked (--monitor <duration>: MONITOR costs Redis throughput)'
      : hasMappings
        ? null
        : "no mappings to follow (a config file's mappings, or --key and --table)",
    () =>
      runMonitor({
        ...ctx,
        // Every finding listed (up to a bound): the report's counts and ranking are made from them.
        options: {
          ...pick(MAPPING_OPTIONS),
          duration: `${monitorMs}ms`,
          channel: channel ?? undefined,
          raceWindow: o.raceWindow,
          maxBuffer: o.maxBuffer,
          maxListed: '10000',
          failOn: 'info',
        },
      }),
  );
  const parts = [lag, scan, subscribers, monitor];
  if (signal.aborted && parts.every((p) => p.status === 'skipped')) throw new InterruptedError('interrupted before anything was checked');
  return buildReportResult({ lag, scan, subscribers, monitor, channel, failOn: severity, complete: !signal.aborted });
}

/** Subscribers of the invalidation channel (PUBSUB NUMSUB over every node). */
async function countSubscribers(ctx: CommandContext, channel: string, expected: number | null): Promise<CommandResult<SubscribersData>> {
  const { settings: s } = ctx;
  const redis = await connectRedisNodes({ url: s.redis.url!, flag: s.redis.origin, timeoutMs: s.timeoutMs, cluster: s.redis.cluster });
  let subscribers: number;
  try {
    subscribers = await channelSubscribers(redis, channel, {
      target: s.redis.url!.split(',').map(redisTarget).join(', '),
      flag: s.redis.origin,
      timeoutMs: s.timeoutMs,
    });
  } finally {
    redis.close();
  }
  const findings = subscriberFindings(channel, subscribers, expected, true);
  return { command: 'subscribers', fails: false, complete: true, findings, summary: { subscribers }, data: { channel, subscribers, expected } };
}
