// `cachedoctor lag`: replication lag per replica, from the primary's pg_stat_replication and from each replica.
import { durationMs } from '../config/resolve.js';
import type { CommandResult } from '../core/envelope.js';
import { SEVERITIES, type Severity } from '../core/findings.js';
import type { LagThresholds } from '../core/lagFindings.js';
import { buildLagResult, type LagData, takeSample } from '../core/lagReport.js';
import type { LagSample } from '../core/lagWatch.js';
import type { PrimarySnapshot, ReplicaSnapshot } from '../core/replicationSnapshot.js';
import { InterruptedError, SourceError, UsageError } from '../errors.js';
import { assertPgUrl, connectPg, type PgConnection, pgTarget } from '../sources/postgres/connect.js';
import { readPrimary, readReplica, unreachableReplica } from '../sources/postgres/replication.js';
import { type CommandContext, sleep } from './context.js';

interface LagOptions {
  watch: boolean;
  intervalMs: number;
  durationMs: number;
  failOn: Severity;
}

function parseOptions(o: Record<string, unknown>): LagOptions {
  const failOn = (o.failOn as string | undefined) ?? 'warning';
  if (!SEVERITIES.includes(failOn as Severity)) throw new UsageError(`--fail-on: expected critical, warning or info, got "${failOn}"`);
  const opts = {
    watch: o.watch === true,
    intervalMs: o.interval !== undefined ? durationMs('--interval', String(o.interval), 's') : 1000,
    durationMs: o.duration !== undefined ? durationMs('--duration', String(o.duration), 's') : 30_000,
    failOn: failOn as Severity,
  };
  if (!opts.watch && (o.interval !== undefined || o.duration !== undefined)) throw new UsageError('--interval and --duration only apply with --watch');
  return opts;
}

/** A replica connection that is re-opened on the next sample when it fails. */
class ReplicaLink {
  private conn: PgConnection | null = null;
  readonly target: string;
  readonly host: string;

  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
  ) {
    ({ target: this.target, host: this.host } = pgTarget(url));
  }

  async read(): Promise<ReplicaSnapshot> {
    try {
      this.conn ??= await connectPg({ url: this.url, flag: '--replica', timeoutMs: this.timeoutMs });
      return await readReplica(this.conn, this.host);
    } catch (err) {
      await this.close();
      if (!(err instanceof SourceError)) throw err;
      return unreachableReplica(this.target, this.host, err.reason);
    }
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    await c?.close();
  }
}

export async function runLag(ctx: CommandContext): Promise<CommandResult<LagData>> {
  const opts = parseOptions(ctx.options);
  const { settings: s, signal } = ctx;
  if (s.primary === null && s.replicas.length === 0) {
    throw new UsageError('nothing to check: no PostgreSQL primary or replica given', 'pass --pg (or set DATABASE_URL / PG* variables) and optionally --replica');
  }
  for (const url of s.replicas) assertPgUrl(url, '--replica');
  if (s.primary?.url) assertPgUrl(s.primary.url, '--pg');
  const thresholds: LagThresholds = { maxLagSeconds: s.thresholds.maxLagSeconds, maxLagBytes: s.thresholds.maxLagBytes, expectReplicas: s.thresholds.expectReplicas };

  const links = s.replicas.map((url) => new ReplicaLink(url, s.timeoutMs));
  let primaryConn: PgConnection | null = null;
  const samples: LagSample[] = [];
  // Ctrl-C before the first sample: drop the connections so pending queries end now.
  const onAbort = () => {
    if (samples.length === 0) {
      void primaryConn?.close();
      for (const l of links) void l.close();
    }
  };
  signal.addEventListener('abort', onAbort, { once: true });

  let primary: PrimarySnapshot | null = null;
  try {
    if (s.primary) primaryConn = await connectPg({ url: s.primary.url, flag: '--pg', timeoutMs: s.timeoutMs });
    const started = Date.now();
    for (;;) {
      const [p, ...replicas] = await Promise.all([primaryConn ? readPrimary(primaryConn) : Promise.resolve(null), ...links.map((l) => l.read())]);
      primary = p ?? null;
      samples.push(takeSample(ctx.now(), primary, replicas, thresholds));
      if (!opts.watch || signal.aborted) break;
      const left = opts.durationMs - (Date.now() - started);
      if (left <= 0) break;
      if (ctx.settings.verbose) ctx.out.note(`lag: sample ${samples.length} taken`);
      await sleep(Math.min(opts.intervalMs, left), signal);
      if (signal.aborted || Date.now() - started >= opts.durationMs) break;
    }
  } catch (err) {
    if (signal.aborted && samples.length === 0) throw new InterruptedError('interrupted before the first sample', undefined, { cause: err });
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await Promise.all([primaryConn?.close(), ...links.map((l) => l.close())]);
  }
  return buildLagResult({
    samples,
    primary,
    thresholds,
    watch: opts.watch ? { intervalMs: opts.intervalMs, durationMs: opts.durationMs } : null,
    failOn: opts.failOn,
    complete: !signal.aborted,
  });
}

