// `cachedoctor lag`: replication lag per replica, from the primary's pg_stat_replication and from each replica.
import { durationMs, failOn, type Source } from '../../config/resolve.js';
import type { CommandResult } from '../../core/envelope.js';
import type { Finding, Severity } from '../../core/findings.js';
import type { LagThresholds } from '../../core/lag/lagFindings.js';
import { buildLagResult, type LagData, takeSample } from '../../core/lag/lagReport.js';
import { plural } from '../../core/plural.js';
import type { LagSample } from '../../core/lag/lagWatch.js';
import type { PrimarySnapshot, ReplicaSnapshot } from '../../core/lag/replicationSnapshot.js';
import { InterruptedError, SourceError, UsageError } from '../../errors.js';
import { connectPg, type PgConnection, pgTarget } from '../../sources/postgres/connect.js';
import { assertPgUrl } from '../../sources/postgres/connectionConfig.js';
import { readPrimary, readReplica, unaskedReplica } from '../../sources/postgres/replication.js';
import { resolveHost } from '../../sources/resolveHost.js';
import { sleep, untilAborted } from '../../async.js';
import type { CommandContext } from '../context.js';

interface LagOptions {
  watch: boolean;
  intervalMs: number;
  durationMs: number;
  failOn: Severity;
}

function parseOptions(o: Record<string, unknown>): LagOptions {
  const opts = {
    watch: o.watch === true,
    intervalMs: o.interval !== undefined ? durationMs('--interval', String(o.interval), 's') : 1000,
    durationMs: o.duration !== undefined ? durationMs('--duration', String(o.duration), 's') : 30_000,
    failOn: failOn(o.failOn, 'warning'),
  };
  if (!opts.watch && (o.interval !== undefined || o.duration !== undefined)) throw new UsageError('--interval and --duration only apply with --watch');
  return opts;
}

/** A replica connection that is re-opened on the next sample when it fails. */
class ReplicaLink {
  private conn: PgConnection | null = null;
  private disposed = false;
  readonly target: string;
  readonly host: string;
  readonly port: number;
  /** The host's IP addresses, resolved once: matching and de-duplication need them even when the replica is down. */
  addresses: string[] = [];

  constructor(
    readonly source: Source,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    ({ target: this.target, host: this.host, port: this.port } = pgTarget(source.url, source.origin));
  }

  async resolve(): Promise<void> {
    this.addresses = await resolveHost(this.host, this.timeoutMs);
  }

  async read(): Promise<ReplicaSnapshot> {
    try {
      if (!this.conn) {
        const conn = await connectPg({ url: this.source.url, flag: this.source.origin, timeoutMs: this.timeoutMs });
        if (this.disposed) {
          await conn.close();
          throw new InterruptedError('interrupted');
        }
        this.conn = conn;
      }
      return await readReplica(this.conn, this.addresses, this.timeoutMs);
    } catch (err) {
      await this.close();
      // A connection we closed ourselves on Ctrl-C says nothing about the replica.
      if (!(err instanceof SourceError) || this.signal.aborted) throw err;
      return unaskedReplica(this.target, this.host, this.addresses, err);
    }
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    await c?.close();
  }

  /** Closes for good: a connect that lands later is closed at once. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.close();
  }
}

export async function runLag(ctx: CommandContext): Promise<CommandResult<LagData>> {
  const opts = parseOptions(ctx.options);
  const { settings: s, signal } = ctx;
  if (s.primary === null && s.replicas.length === 0) {
    throw new UsageError(
      'nothing to check: no PostgreSQL primary or replica given',
      'pass --pg (or set DATABASE_URL / PG* variables) and optionally --replica',
    );
  }
  for (const r of s.replicas) assertPgUrl(r.url, r.origin);
  if (s.primary?.url) assertPgUrl(s.primary.url, s.primary.origin);
  const thresholds: LagThresholds = {
    maxLagSeconds: s.thresholds.maxLagSeconds,
    maxLagBytes: s.thresholds.maxLagBytes,
    expectReplicas: s.thresholds.expectReplicas,
  };
  const allLinks = s.replicas.map((r) => new ReplicaLink(r, s.timeoutMs, signal));
  await untilAbortedIf(Promise.all(allLinks.map((l) => l.resolve())), signal, true);
  const links = distinctReplicas(allLinks, ctx);
  const verbose = (text: string) => s.verbose && ctx.out.note(`lag: ${text}`);
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
        runFindings.push({
          kind: 'source-failed',
          severity: 'critical',
          message: `the primary stopped answering after ${plural(samples.length, 'sample')}: ${err.reason}`,
          source: 'primary',
          target: primaryConn?.target ?? null,
          fix: err.hint ?? 'check the primary',
        });
        lostPrimary = err;
        break;
      }
      if (signal.aborted && samples.length === 0) throw new InterruptedError('interrupted before the first sample');
      primary = p ?? null;
      const sample = takeSample(ctx.now(), primary, replicas, thresholds, samples);
      samples.push(sample);
      verbose(`sample ${samples.length}: ${sample.lags.map((l) => `${l.name} ${l.lagSeconds ?? '?'} s / ${l.lagBytes ?? '?'} B`).join(', ') || 'no replicas'}`);
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
  return lostPrimary ? { ...result, sourceFailure: { message: lostPrimary.line } } : result;
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
