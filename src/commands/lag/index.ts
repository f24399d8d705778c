// `cachedoctor lag`: replication lag per replica, from the primary's pg_stat_replication and from each replica.
import { sleep, untilAborted } from '../../async.js';
import type { CommandResult } from '../../core/envelope.js';
import { finding, type Finding } from '../../core/findings/findings.js';
import { buildLagResult, type LagData, takeSample } from '../../core/lag/lagReport.js';
import { plural } from '../../core/plural.js';
import { sparkline } from '../../core/sparkline.js';
import { formatSeconds } from '../../core/units.js';
import type { LagSample } from '../../core/lag/lagWatch.js';
import type { PrimarySnapshot, ReplicaSnapshot } from '../../core/lag/replicationSnapshot.js';
import { InterruptedError, SourceError, UsageError } from '../../errors.js';
import { connectPg, type PgConnection } from '../../sources/postgres/connect.js';
import { assertPgUrl } from '../../sources/postgres/connectionConfig.js';
import { readPrimary } from '../../sources/postgres/replication.js';
import type { CommandContext } from '../context.js';
import type { LagOptions } from './options.js';
import { ReplicaLink } from './replicaLink.js';

export { parse } from './options.js';

export async function run(ctx: CommandContext, opts: LagOptions): Promise<CommandResult<LagData>> {
  const { settings: s, signal } = ctx;
  if (s.primary === null && s.replicas.length === 0) {
    throw new UsageError(
      'nothing to check: no PostgreSQL primary or replica given',
      'pass --pg (or set DATABASE_URL / PG* variables) and optionally --replica',
    );
  }
  for (const r of s.replicas) assertPgUrl(r.url, r.origin);
  if (s.primary?.url) assertPgUrl(s.primary.url, s.primary.origin);
  const { thresholds } = opts;
  const allLinks = s.replicas.map((r) => new ReplicaLink(r, s.timeoutMs, signal));
  await untilAbortedIf(Promise.all(allLinks.map((l) => l.resolve())), signal, true);
  const links = distinctReplicas(allLinks, ctx);
  const verbose = (text: string) => s.verbose && ctx.out.note(`cachedoctor: lag: ${text}`);
  let primaryConn: PgConnection | null = null;
  let primaryPending: Promise<PgConnection> | null = null;
  const samples: LagSample[] = [];

  let primary: PrimarySnapshot | null = null;
  const runFindings: Finding[] = [];
  let lostPrimary: SourceError | null = null;
  try {
    if (s.primary) {
      verbose(`connecting to the primary (${s.primary.origin}) with a ${s.timeoutMs} ms timeout`);
      primaryPending = connectPg({ url: s.primary.url, flag: s.primary.origin, timeoutMs: s.timeoutMs });
      primaryConn = await untilAbortedIf(primaryPending, signal, true);
    }
    const started = Date.now();
    for (;;) {
      let p: PrimarySnapshot | null;
      let replicas: ReplicaSnapshot[];
      try {
        [p, ...replicas] = await untilAbortedIf(
          Promise.all([primaryConn ? readPrimary(primaryConn, s.timeoutMs) : Promise.resolve(null), ...links.map((l) => l.read())]),
          signal,
          samples.length === 0,
        );
      } catch (err) {
        // Losing the primary in the middle of --watch (a failover?) ends the watch; the samples so far still count.
        if (!(err instanceof SourceError) || samples.length === 0 || signal.aborted) throw err;
        runFindings.push(
          finding('source-failed', `the primary stopped answering after ${plural(samples.length, 'sample')}: ${err.reason}`, {
            source: 'primary',
            target: primaryConn?.target ?? null,
            fix: err.hint ?? 'check the primary',
          }),
        );
        lostPrimary = err;
        break;
      }
      if (signal.aborted && samples.length === 0) throw new InterruptedError('interrupted before the first sample');
      primary = p ?? null;
      const sample = takeSample(ctx.now(), primary, replicas, thresholds, samples);
      samples.push(sample);
      verbose(`sample ${samples.length}: ${sample.lags.map((l) => `${l.name} ${l.lagSeconds ?? '?'} s / ${l.lagBytes ?? '?'} B`).join(', ') || 'no replicas'}`);
      // --watch on a terminal: the window so far, a sparkline per replica, updated with each sample.
      if (opts.watch) ctx.out.progress(watchLine(samples, Date.now() - started, opts.durationMs), true);
      if (!opts.watch || signal.aborted) break;
      // Samples on a fixed grid: a slow sample (a stuck replica's second look) must not stretch the interval.
      const left = opts.durationMs - (Date.now() - started);
      if (left <= 0) break;
      const nextTick = samples.length * opts.intervalMs - (Date.now() - started);
      await sleep(Math.max(0, Math.min(nextTick, left)), signal);
      if (signal.aborted || Date.now() - started >= opts.durationMs) break;
    }
  } catch (err) {
    if (signal.aborted && samples.length === 0 && !(err instanceof InterruptedError)) {
      throw new InterruptedError('interrupted before the first sample', undefined, { cause: err });
    }
    throw err;
  } finally {
    // A connect still in flight after Ctrl-C is closed when it lands.
    if (!primaryConn)
      void primaryPending?.then(
        (c) => c.close(),
        () => {},
      );
    await Promise.all([primaryConn?.close(), ...links.map((l) => l.dispose())]);
  }
  ctx.out.endProgress();
  const result = buildLagResult({
    samples,
    primary,
    thresholds,
    watch: opts.watch ? { intervalMs: opts.intervalMs, durationMs: opts.durationMs } : null,
    failOn: opts.failOn,
    complete: !signal.aborted && !lostPrimary,
    runFindings,
  });
  // The samples so far are reported; losing the primary still exits 3 (a source could not be queried).
  return lostPrimary ? { ...result, sourceFailure: { message: lostPrimary.line, server: 'postgres' } } : result;
}

/** "lag --watch 12 s of 30 s: 10.0.0.2:5432 0.2 s ▁▁▂▅▁": the newest lag and the window so far, per replica. */
function watchLine(samples: readonly LagSample[], elapsedMs: number, durationMs: number): string {
  const ids = [...new Set(samples.flatMap((s) => s.lags.map((l) => l.id)))];
  const per = ids.map((id) => {
    const series = samples.map((s) => s.lags.find((l) => l.id === id)?.lagSeconds ?? null);
    const last = samples.at(-1)?.lags.find((l) => l.id === id);
    const now = last?.lagSeconds;
    return `${last?.name ?? id} ${now === null || now === undefined ? '?' : formatSeconds(now)} ${sparkline(series, 20)}`;
  });
  return `lag --watch ${Math.round(elapsedMs / 1000)} s of ${Math.round(durationMs / 1000)} s: ${per.join('  ') || 'no replicas'}`;
}

/** One link per server: the same server given twice (two URLs, or a name and its address) is asked once. */
function distinctReplicas(links: ReplicaLink[], ctx: CommandContext): ReplicaLink[] {
  const seen: ReplicaLink[] = [];
  return links.filter((l) => {
    const twin = seen.find((o) => o.port === l.port && (o.target === l.target || o.addresses.some((a) => l.addresses.includes(a))));
    if (twin) {
      ctx.out.note(`cachedoctor: ${l.source.origin}: ${l.target} is the same server as ${twin.target}; asking it once`);
      return false;
    }
    seen.push(l);
    return true;
  });
}

/**
 * Ctrl-C before there is anything to report must not wait for a slow server's timeout. Once samples exist,
 * the sample in flight is allowed to finish (bounded by --timeout) so it can join the report.
 */
function untilAbortedIf<T>(work: Promise<T>, signal: AbortSignal, abortNow: boolean): Promise<T> {
  return abortNow ? untilAborted(work, signal, 'interrupted before the first sample') : work;
}
